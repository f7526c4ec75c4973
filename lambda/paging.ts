import { DbqError, MAX_PAGE_BYTES, type Cell } from '../shared/protocol/index.js';
import type { StatementResult } from './engines/types.js';

export interface PageLimits {
  rows: number;
  bytes: number;
}

export interface PageRows {
  rows: Cell[][];
  /** True when at least one more row exists after this page. */
  more: boolean;
}

/** Rows are pulled from the driver in chunks of this size, whatever the page size. */
const CHUNK_ROWS = 1000;

/** Bytes a row adds to the JSON page: its encoding plus the separating comma. */
function rowBytes(row: Cell[]): number {
  return Buffer.byteLength(JSON.stringify(row)) + 1;
}

/**
 * Reads pages from a statement without ever holding more than a page plus one chunk: rows read past the
 * end of a page wait in `pending` for the next one, so concatenated pages equal the whole result.
 */
export class RowReader {
  private pending: Cell[][] = [];
  private exhausted = false;
  /** Rows handed out so far (including skipped ones): the offset of the next page. */
  position = 0;

  constructor(readonly statement: StatementResult) {}

  private async fill(wanted: number): Promise<void> {
    if (this.pending.length >= wanted || this.exhausted) return;
    const ask = Math.max(CHUNK_ROWS, wanted - this.pending.length);
    const rows = await this.statement.readRows(ask);
    if (rows.length === 0) this.exhausted = true;
    this.pending = this.pending.length === 0 ? rows : this.pending.concat(rows);
  }

  /** Discards `count` rows (used to resume a read whose cursor was lost). */
  async skip(count: number): Promise<void> {
    let left = count;
    while (left > 0) {
      await this.fill(Math.min(left, CHUNK_ROWS));
      if (this.pending.length === 0) break;
      const dropped = Math.min(left, this.pending.length);
      this.pending = this.pending.slice(dropped);
      left -= dropped;
      this.position += dropped;
    }
  }

  /** Reads the next page, bounded by rows and by encoded bytes; a single row over the hard limit is refused. */
  async readPage(limits: PageLimits): Promise<PageRows> {
    const rows: Cell[][] = [];
    let bytes = 2;
    while (rows.length < limits.rows) {
      if (this.pending.length === 0) {
        await this.fill(Math.min(limits.rows - rows.length + 1, CHUNK_ROWS));
        if (this.pending.length === 0) break;
      }
      let taken = 0;
      while (taken < this.pending.length && rows.length < limits.rows) {
        const row = this.pending[taken] as Cell[];
        const size = rowBytes(row);
        if (rows.length > 0 && bytes + size > limits.bytes) break;
        if (rows.length === 0 && size > MAX_PAGE_BYTES) {
          throw new DbqError(
            'TOO_LARGE',
            `row ${this.position + 1} alone encodes to ${size} bytes, over the ${MAX_PAGE_BYTES}-byte page limit; select fewer or shorter columns`,
          );
        }
        rows.push(row);
        bytes += size;
        taken += 1;
      }
      this.pending = taken === this.pending.length ? [] : this.pending.slice(taken);
      if (taken === 0 || bytes >= limits.bytes) break;
    }
    this.position += rows.length;
    if (this.pending.length === 0) await this.fill(1);
    return { rows, more: this.pending.length > 0 };
  }
}
