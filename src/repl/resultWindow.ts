import { DbqError } from '../../shared/protocol/errors.js';
import type { Cell, Column } from '../../shared/protocol/values.js';
import type { Page } from '../../shared/protocol/messages.js';

/** The forward-only page source of one statement (a `ResultStream`). */
export interface ForwardRows {
  readonly columns: Column[];
  readonly hasMore: boolean;
  readonly rowsRead: number;
  readonly lastPage: Page;
  fetchNextPage(): Promise<Page | null>;
  close(): Promise<void>;
}

/** Re-reads `rowCount` rows starting at `skipRows` (by re-running the statement READ ONLY). */
export type Refetch = (skipRows: number, rowCount: number) => Promise<Cell[][]>;

export interface WindowOptions {
  /** At most this many rows are held (plus one page while it arrives). */
  capacityRows: number;
  /** …and at most about this many bytes of cells. */
  capacityBytes: number;
  /** Rows per re-read. */
  chunkRows: number;
  /** Null when the statement must not be re-run (it was not read-only): dropped rows stay dropped. */
  refetch: Refetch | null;
}

export const DEFAULT_WINDOW: Omit<WindowOptions, 'refetch'> = {
  capacityRows: 10_000,
  capacityBytes: 64 * 1024 * 1024,
  chunkRows: 1000,
};

interface Chunk {
  offset: number;
  rows: Cell[][];
  bytes: number;
}

/** A rough size of rows in memory, enough to keep the window bounded when cells are large. */
export function estimateBytes(rows: readonly Cell[][]): number {
  let bytes = 0;
  for (const row of rows) {
    bytes += 32;
    for (const cell of row) {
      if (typeof cell === 'string') bytes += 16 + cell.length * 2;
      else if (cell !== null && typeof cell === 'object') bytes += 48 + cell.base64.length * 2;
      else bytes += 8;
    }
  }
  return bytes;
}

/**
 * The rows of one result that the viewer can reach without waiting: a bounded, contiguous window of
 * fetched rows around the view. Rows past the window's end come from the statement's cursor; rows that
 * were dropped (to keep memory bounded however many rows the result has) are read again by re-running the
 * statement READ ONLY and skipping to them. Operations are serialized: one network request at a time.
 */
export class ResultWindow {
  readonly columns: Column[];
  private chunks: Chunk[] = [];
  /** Where the window starts when it holds nothing. */
  private anchor = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private pending = 0;
  /** Rows known to exist: read from the cursor or by re-reading. */
  private known = 0;
  /** The row count, once the end of the result was seen. */
  private count: number | null = null;
  /** The cursor died (it timed out or its function instance went away): later rows are re-read. */
  private cursorLost = false;

  constructor(
    private readonly stream: ForwardRows,
    private readonly options: WindowOptions,
  ) {
    this.columns = stream.columns;
  }

  /** Reads the first page (already delivered with the statement's answer). */
  async open(): Promise<void> {
    const page = await this.stream.fetchNextPage();
    if (page) this.append(page.rowOffset, page.rows);
    this.noteForward();
  }

  get start(): number {
    return this.chunks[0]?.offset ?? this.anchor;
  }

  get end(): number {
    const last = this.chunks[this.chunks.length - 1];
    return last ? last.offset + last.rows.length : this.anchor;
  }

  /** Rows read so far (the furthest row seen, whether held now or not). */
  get fetched(): number {
    return this.known;
  }

  get complete(): boolean {
    return this.count !== null;
  }

  /** The row count when the whole result has been read, else null. */
  get total(): number | null {
    return this.count;
  }

  private noteForward(): void {
    this.known = Math.max(this.known, this.stream.rowsRead);
    if (!this.stream.hasMore) this.count = this.stream.rowsRead;
  }

  /** Whether the next rows after `end` come from the cursor (else they are re-read). */
  private readsFromCursor(end: number): boolean {
    return !this.cursorLost && end === this.stream.rowsRead && this.stream.hasMore;
  }

  /**
   * The next page from the cursor. A read-only result whose cursor died (statement timeout, or another
   * function instance answering) goes on by re-reading: null tells the caller to do that.
   */
  private async readCursor(): Promise<Page | null> {
    try {
      const page = await this.stream.fetchNextPage();
      this.noteForward();
      return page;
    } catch (error) {
      const lost = error instanceof DbqError && (error.code === 'TIMEOUT' || error.code === 'CURSOR_EXPIRED');
      if (!lost || this.options.refetch === null) throw error;
      this.cursorLost = true;
      return null;
    }
  }

  /** Re-reads rows from `skip`; a short answer means the result ends there. */
  private async reread(skip: number, want: number): Promise<Cell[][]> {
    const refetch = this.options.refetch;
    if (refetch === null) return [];
    const rows = await refetch(skip, want);
    this.known = Math.max(this.known, skip + rows.length);
    if (rows.length < want && skip + rows.length >= this.known) this.count = skip + rows.length;
    return rows;
  }

  get heldRows(): number {
    return this.end - this.start;
  }

  get heldBytes(): number {
    return this.chunks.reduce((sum, chunk) => sum + chunk.bytes, 0);
  }

  get canRefetch(): boolean {
    return this.options.refetch !== null;
  }

  /** True while a fetch or re-read is in flight or queued. */
  get busy(): boolean {
    return this.pending > 0;
  }

  get lastPage(): Page {
    return this.stream.lastPage;
  }

  row(index: number): Cell[] | undefined {
    if (index < this.start || index >= this.end) return undefined;
    let low = 0;
    let high = this.chunks.length - 1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      const chunk = this.chunks[middle];
      if (!chunk) break;
      if (index < chunk.offset) high = middle - 1;
      else if (index >= chunk.offset + chunk.rows.length) low = middle + 1;
      else return chunk.rows[index - chunk.offset];
    }
    return undefined;
  }

  /** Every held row, in order (for exporting what is in hand when a statement must not be re-run). */
  heldRowsList(): Cell[][] {
    return this.chunks.flatMap((chunk) => chunk.rows);
  }

  private serialize<T>(task: () => Promise<T>): Promise<T> {
    this.pending++;
    const run = this.queue.then(task, task);
    this.queue = run.then(
      () => undefined,
      () => undefined,
    );
    return run.finally(() => {
      this.pending--;
    });
  }

  /**
   * Makes rows `[from, to)` available as far as the result has them: fetches forward from the cursor,
   * re-reads dropped rows, and drops rows far from this range to stay within capacity.
   */
  ensure(from: number, to: number, signal?: AbortSignal): Promise<void> {
    return this.serialize(() => this.ensureNow(Math.max(0, from), Math.max(from, to), signal));
  }

  /** Reads the cursor to its end (keeping only the last rows), reporting rows read so far. */
  fetchToEnd(signal?: AbortSignal, onProgress?: (fetched: number) => void): Promise<void> {
    return this.serialize(async () => {
      if (this.end !== this.fetched) this.reset(this.fetched);
      while (this.count === null && signal?.aborted !== true) {
        const end = this.end;
        if (this.readsFromCursor(end)) {
          const page = await this.readCursor();
          if (page) this.append(page.rowOffset, page.rows);
        } else if (this.options.refetch !== null) {
          this.append(end, await this.reread(end, this.options.chunkRows));
        } else {
          break;
        }
        this.trim(this.end - 1, this.end);
        onProgress?.(this.fetched);
      }
    });
  }

  async close(): Promise<void> {
    await this.stream.close();
  }

  private async ensureNow(from: number, to: number, signal: AbortSignal | undefined): Promise<void> {
    const chunk = this.options.chunkRows;
    const refetch = this.options.refetch;
    const limit = this.total ?? Number.POSITIVE_INFINITY;
    to = Math.min(to, limit);
    from = Math.min(from, Math.max(0, to - 1));
    if (refetch !== null && (from >= this.end + chunk || to <= this.start - chunk) && from < this.fetched) {
      // Far from everything held: start over at the target instead of walking there chunk by chunk.
      this.reset(from);
    }
    while (to > this.end && signal?.aborted !== true) {
      const end = this.end;
      if (this.count !== null && end >= this.count) break;
      if (this.readsFromCursor(end)) {
        const page = await this.readCursor();
        if (page?.rows.length === 0) break;
        if (page) this.append(page.rowOffset, page.rows);
      } else if (refetch !== null && (end < this.stream.rowsRead || this.cursorLost)) {
        // Re-read up to where the cursor stands, then go on with the cursor (cheaper than re-running).
        const rows = await this.reread(
          end,
          this.cursorLost ? chunk : Math.min(chunk, this.stream.rowsRead - end),
        );
        if (rows.length === 0) break;
        this.append(end, rows);
      } else {
        break;
      }
      this.trim(from, to);
    }
    while (from < this.start && refetch !== null && signal?.aborted !== true) {
      const start = this.start;
      const count = Math.min(chunk, start);
      const rows = await this.reread(start - count, count);
      if (rows.length === 0) break;
      this.prepend(start - count, rows.slice(0, count));
      this.trim(from, to);
    }
  }

  private reset(anchor: number): void {
    this.chunks = [];
    this.anchor = anchor;
  }

  private append(offset: number, rows: Cell[][]): void {
    if (rows.length === 0) return;
    if (offset !== this.end) this.reset(offset);
    this.chunks.push({ offset, rows, bytes: estimateBytes(rows) });
  }

  private prepend(offset: number, rows: Cell[][]): void {
    if (rows.length === 0) return;
    this.chunks.unshift({ offset, rows, bytes: estimateBytes(rows) });
  }

  /** Drops whole chunks at the end farther from `[from, to)` until the window fits its capacity. */
  private trim(from: number, to: number): void {
    const over = (): boolean =>
      this.chunks.length > 1 &&
      (this.heldRows > this.options.capacityRows || this.heldBytes > this.options.capacityBytes);
    while (over()) {
      const first = this.chunks[0];
      const last = this.chunks[this.chunks.length - 1];
      if (!first || !last) return;
      const firstEnd = first.offset + first.rows.length;
      const distanceBefore = from - firstEnd;
      const distanceAfter = last.offset - to;
      if (distanceBefore >= 0 && (distanceBefore >= distanceAfter || distanceAfter < 0)) {
        this.chunks.shift();
      } else if (distanceAfter >= 0) {
        this.chunks.pop();
      } else {
        // Both end chunks overlap the range in view: the view is wider than the capacity allows.
        return;
      }
    }
  }
}
