import type { Cell, Column } from '../../shared/protocol/values.js';

/** What a result writer learns when a statement's result is complete. */
export interface ResultSummary {
  /** The command tag (`SELECT`, `INSERT`, `CREATE TABLE`…), when the engine reports one. */
  command: string | null;
  /** Rows delivered to the writer. */
  rowCount: number;
  /** Rows changed by a DML statement, when the engine reports it. */
  affectedRows: number | null;
  /** True when the result had more rows than were read (a row limit, or the user stopped paging). */
  truncated: boolean;
  elapsedMs: number;
}

/**
 * Writes ONE statement's result: `begin` once, `writeRows` per batch, `end` once. Each call resolves
 * when its output has been accepted by the sink (backpressure is respected), so a caller that awaits
 * every call holds at most one batch in memory.
 */
export interface ResultWriter {
  begin(columns: Column[]): Promise<void>;
  writeRows(rows: Cell[][]): Promise<void>;
  end(summary: ResultSummary): Promise<void>;
}

export type OutputFormat = 'table' | 'csv' | 'json' | 'ndjson';

export const OUTPUT_FORMATS: readonly OutputFormat[] = ['table', 'csv', 'json', 'ndjson'];

export interface FormatOptions {
  /** CSV only: prefix cells that a spreadsheet would run as formulas with `'` (changes data). */
  escapeFormulas?: boolean;
  /** Table only: dim NULLs with SGR. */
  color?: boolean;
  /** Table only: how NULL is shown; default `<null>`, so it differs from the text 'NULL'. */
  nullText?: string;
}

/** Where results go: `process.stdout`, a file stream, any Node.js writable. */
export type OutputSink = NodeJS.WritableStream;
