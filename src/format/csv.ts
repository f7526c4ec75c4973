import { stringify } from 'csv-stringify/sync';
import type { CastReturnObject } from 'csv-stringify';
import type { CastingContext, Options } from 'csv-stringify/sync';
import { cellText, isNumericKind } from '../../shared/protocol/values.js';
import type { Cell, Column } from '../../shared/protocol/values.js';
import { writeText } from './sink.js';
import type { FormatOptions, OutputSink, ResultSummary, ResultWriter } from './types.js';

/** csv-stringify honours `escape_formulas` in a cast's return object, but its types omit it. */
type CastWithFormulaOption = CastReturnObject & { escape_formulas: boolean };

/**
 * RFC 4180 CSV as PostgreSQL's `COPY … CSV HEADER` writes it: `\n` line ends, a header row, NULL as
 * an empty unquoted field and the empty string as `""`, cells exactly as `cellText` gives them (no
 * terminal sanitizing: this is data). Each batch goes through csv-stringify's sync API on its own, which
 * measured as fast as its streaming API and keeps at most one batch in memory.
 */
export class CsvWriter implements ResultWriter {
  private readonly out: OutputSink;
  private readonly escapeFormulas: boolean;
  private names: string[] = [];
  private options: Options = {};
  private headerWritten = false;

  constructor(out: OutputSink, options: FormatOptions = {}) {
    this.out = out;
    this.escapeFormulas = options.escapeFormulas === true;
  }

  begin(columns: Column[]): Promise<void> {
    this.names = columns.map((column) => column.name);
    const numeric = columns.map((column) => isNumericKind(column.kind));
    this.options = {
      columns: this.names,
      record_delimiter: '\n',
      // Naming a record_delimiter silently stops csv-stringify from quoting fields that hold \r or \n
      // (other than the delimiter itself) unless this is set.
      quote_record_delimiter: true,
      // csv-stringify leaves '' unquoted like NULL; quoting exactly the empty string keeps them apart.
      quoted_match: /^$/,
      escape_formulas: this.escapeFormulas,
    };
    if (this.escapeFormulas && numeric.includes(true)) {
      // A negative number from a numeric column cannot be a formula; csv-stringify spares JS numbers
      // for that reason, but our exact numerics arrive as strings, so spare them by column.
      this.options.cast = {
        string: (value: string, context: CastingContext): string | CastWithFormulaOption =>
          !context.header && value.startsWith('-') && numeric[context.index] === true
            ? { value, escape_formulas: false }
            : value,
      };
    }
    return Promise.resolve();
  }

  writeRows(rows: Cell[][]): Promise<void> {
    if (rows.length === 0 || this.names.length === 0) return Promise.resolve();
    const width = this.names.length;
    const records: (string | null)[][] = new Array<(string | null)[]>(rows.length);
    for (let r = 0; r < rows.length; r++) {
      const row = rows[r] ?? [];
      const record = new Array<string | null>(width);
      for (let c = 0; c < width; c++) {
        const cell = row[c] ?? null;
        record[c] = cell === null ? null : cellText(cell);
      }
      records[r] = record;
    }
    const text = stringify(records, { ...this.options, header: !this.headerWritten });
    this.headerWritten = true;
    return writeText(this.out, text);
  }

  end(_summary: ResultSummary): Promise<void> {
    if (this.headerWritten || this.names.length === 0) return Promise.resolve();
    this.headerWritten = true;
    return writeText(this.out, stringify([], { ...this.options, header: true }));
  }
}
