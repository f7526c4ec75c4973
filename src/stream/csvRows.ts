import { cellText, isNumericKind, type Cell, type Column } from '../../shared/protocol/values.js';
import { writeText } from '../format/sink.js';
import type { FormatOptions, OutputSink, ResultSummary, ResultWriter } from '../format/types.js';

/** A field holding any of these is quoted (RFC 4180; a lone \r too, as csv-stringify does). */
const NEEDS_QUOTES = /[",\n\r]/;
/** First characters that make a spreadsheet run a cell as a formula (csv-stringify's `escape_formulas` set). */
const FORMULA_START = new Set(['=', '+', '@', '\t', '\r', '\uFF1D', '\uFF0B', '\uFF0D', '\uFF20']);

function csvField(text: string, escapeFormulas: boolean, spareMinus: boolean): string {
  if (text.length === 0) return '""';
  let value = text;
  if (escapeFormulas) {
    const first = text[0] ?? '';
    if (FORMULA_START.has(first) || (first === '-' && !spareMinus)) value = `'${text}`;
  }
  if (!NEEDS_QUOTES.test(text)) return value;
  return `"${value.includes('"') ? value.replaceAll('"', '""') : value}"`;
}

/**
 * The CSV of `src/format/csv.ts` (`CsvWriter`: PostgreSQL's `COPY … CSV HEADER` — `\n` line ends, a header,
 * NULL as an empty unquoted field, the empty string as `""`, formulas escaped on request with numeric
 * columns spared), byte for byte, written without csv-stringify's per-field option handling, which costs
 * more than everything else in an export of millions of rows. The tests hold the two to the same output.
 */
export class CsvRowsWriter implements ResultWriter {
  private readonly escapeFormulas: boolean;
  private width = 0;
  private header = '';
  private spareMinus: boolean[] = [];
  private headerWritten = false;

  constructor(
    private readonly out: OutputSink,
    options: FormatOptions = {},
  ) {
    this.escapeFormulas = options.escapeFormulas === true;
  }

  begin(columns: Column[]): Promise<void> {
    this.width = columns.length;
    // A negative number from a numeric column cannot be a formula; the header is text like any other.
    this.spareMinus = columns.map((column) => isNumericKind(column.kind));
    this.header = columns.map((column) => csvField(column.name, this.escapeFormulas, false)).join(',') + '\n';
    return Promise.resolve();
  }

  writeRows(rows: Cell[][]): Promise<void> {
    if (rows.length === 0 || this.width === 0) return Promise.resolve();
    const width = this.width;
    const formulas = this.escapeFormulas;
    let text = '';
    if (!this.headerWritten) {
      this.headerWritten = true;
      text = this.header;
    }
    for (const row of rows) {
      for (let index = 0; index < width; index++) {
        const cell = row[index] ?? null;
        if (index > 0) text += ',';
        if (cell === null) continue;
        // Numbers come only from numeric columns, which formula escaping spares; they never need quotes.
        if (typeof cell === 'number') text += String(cell);
        else if (typeof cell === 'boolean') text += cell ? 't' : 'f';
        else text += csvField(cellText(cell), formulas, this.spareMinus[index] === true);
      }
      text += '\n';
    }
    return writeText(this.out, text);
  }

  end(_summary: ResultSummary): Promise<void> {
    if (this.headerWritten || this.width === 0) return Promise.resolve();
    this.headerWritten = true;
    return writeText(this.out, this.header);
  }
}
