import type { Connection, FieldPacket, ResultSetHeader } from 'mysql2';
import type { Cell, Column } from '../../shared/protocol/index.js';
import { DbqError } from '../../shared/protocol/index.js';
import { describeMysqlField, encodeMysqlRow, type MysqlColumn } from './mysqlColumns.js';
import type { StatementResult } from './types.js';

/** Rows read ahead of the first `readRows`, so the first page is usually waiting when it is asked for. */
const INITIAL_PREFETCH_ROWS = 1000;
/** Raw bytes held in memory per statement; beyond this the socket is paused even if fewer rows were asked for. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

/**
 * Every row is read with `typeCast: false`: each value is the server's raw text-protocol bytes, and the
 * codec in mysqlColumns decides how it travels (exact decimals, 64-bit integers, BIT, zero dates, JSON text).
 */
export const ROW_QUERY_OPTIONS = { rowsAsArray: true, typeCast: false } as const;

export type RawRow = (Buffer | null)[];

export function isRawRow(value: unknown): value is RawRow {
  return Array.isArray(value);
}

function isResultSetHeader(value: unknown): value is ResultSetHeader {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && 'affectedRows' in value;
}

/**
 * A statement's rows are pulled off the socket only as fast as pages are asked for: the connection is
 * paused once a page (or MAX_BUFFERED_BYTES) is buffered, so TCP backpressure holds the rest on the server.
 */
export class MysqlStatement implements StatementResult {
  columns: Column[] = [];
  readonly command = null;
  readonly notices: string[] = [];
  /** Settles once the column metadata (or the OK packet of a statement without rows) has arrived. */
  readonly started: Promise<void>;
  ended = false;
  failure: Error | null = null;
  warningCount = 0;

  private decoders: MysqlColumn[] = [];
  private rowsResultIndex: number | null = null;
  private resultCount = 0;
  private notedExtraResults = false;
  private queue: { cells: Cell[]; bytes: number }[] = [];
  private queuedBytes = 0;
  private want = INITIAL_PREFETCH_ROWS;
  private paused = false;
  private discarding = false;
  private waiter: (() => void) | null = null;
  private drained: (() => void) | null = null;
  private affected: number | null = null;
  private startSettled = false;
  private resolveStart: () => void = () => undefined;
  private rejectStart: (error: unknown) => void = () => undefined;
  private closed = false;

  constructor(
    private readonly connection: Connection,
    sql: string,
    readonly readOnly: boolean,
    private readonly end: (statement: MysqlStatement, outcome: 'commit' | 'rollback') => Promise<void>,
  ) {
    this.started = new Promise<void>((resolve, reject) => {
      this.resolveStart = resolve;
      this.rejectStart = reject;
    });
    const query = connection.query({ sql, ...ROW_QUERY_OPTIONS });
    query.on('fields', (fields: FieldPacket[] | undefined) => this.onFields(fields));
    query.on('result', (value: unknown, index: unknown) =>
      this.onResult(value, typeof index === 'number' ? index : 0),
    );
    query.on('error', (error: unknown) => this.fail(error));
    query.on('end', () => this.finish());
  }

  private onFields(fields: FieldPacket[] | undefined): void {
    const index = this.resultCount++;
    if (fields === undefined) return; // an OK packet follows as a 'result'
    if (this.rowsResultIndex !== null) {
      // Only a CALL can return several result sets; the first one is the result.
      if (!this.notedExtraResults)
        this.notices.push('the statement returned more than one result set; only the first is shown');
      this.notedExtraResults = true;
      return;
    }
    this.rowsResultIndex = index;
    this.decoders = fields.map((field) => describeMysqlField(field));
    this.columns = this.decoders.map((decoder) => decoder.column);
    this.settleStart();
  }

  private onResult(value: unknown, index: number): void {
    if (isRawRow(value)) {
      if (index === this.rowsResultIndex && !this.discarding) this.enqueue(value);
      return;
    }
    if (isResultSetHeader(value)) {
      this.affected = value.affectedRows;
      this.warningCount += value.warningStatus;
    }
  }

  private enqueue(row: RawRow): void {
    let bytes = 16;
    for (const value of row) bytes += value === null ? 1 : value.length + 8;
    this.queue.push({ cells: encodeMysqlRow(row, this.decoders), bytes });
    this.queuedBytes += bytes;
    if (this.queue.length >= this.want || this.queuedBytes >= MAX_BUFFERED_BYTES) {
      this.pause();
      this.wake();
    }
  }

  private settleStart(error?: unknown): void {
    if (this.startSettled) return;
    this.startSettled = true;
    if (error === undefined) this.resolveStart();
    else this.rejectStart(error);
  }

  /** The statement or its connection failed; rows read before the failure are still handed out first. */
  fail(error: unknown): void {
    if (this.failure === null) this.failure = error instanceof Error ? error : new Error(String(error));
    this.settleStart(error);
    this.finish();
  }

  private finish(): void {
    this.ended = true;
    this.paused = false;
    this.settleStart();
    this.wake();
    const drained = this.drained;
    this.drained = null;
    drained?.();
  }

  private wake(): void {
    const waiter = this.waiter;
    this.waiter = null;
    waiter?.();
  }

  private pause(): void {
    if (this.paused || this.ended) return;
    this.paused = true;
    this.connection.pause();
  }

  private resume(): void {
    if (!this.paused) return;
    this.paused = false;
    // May deliver already-received rows synchronously, and pause again from inside.
    this.connection.resume();
  }

  async readRows(maxRows: number): Promise<Cell[][]> {
    if (this.closed) throw new DbqError('INTERNAL', 'the statement is already closed');
    const max = Math.max(1, Math.floor(maxRows));
    while (this.queue.length < max && this.queuedBytes < MAX_BUFFERED_BYTES && !this.ended) {
      this.want = max;
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
        this.resume();
        if (this.queue.length >= max || this.queuedBytes >= MAX_BUFFERED_BYTES || this.ended) this.wake();
      });
    }
    if (this.queue.length === 0) {
      if (this.failure !== null) throw this.failure;
      return [];
    }
    const taken = this.queue.length <= max ? this.queue : this.queue.slice(0, max);
    this.queue = taken === this.queue ? [] : this.queue.slice(max);
    const rows: Cell[][] = [];
    for (const entry of taken) {
      this.queuedBytes -= entry.bytes;
      rows.push(entry.cells);
    }
    return rows;
  }

  affectedRows(): number | null {
    return this.affected;
  }

  /**
   * Throws away unread rows until the result ends; false when it did not end within `budgetMs`
   * (the caller then drops the session).
   */
  discardRest(budgetMs: number): Promise<boolean> {
    this.discarding = true;
    this.queue = [];
    this.queuedBytes = 0;
    if (this.ended) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      const timer =
        budgetMs === Infinity
          ? undefined
          : setTimeout(() => {
              this.drained = null;
              resolve(false);
            }, budgetMs);
      this.drained = () => {
        clearTimeout(timer);
        resolve(true);
      };
      this.resume();
    });
  }

  async close(outcome: 'commit' | 'rollback'): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.end(this, outcome);
  }
}
