import stringWidth from 'string-width';
import { cellText, isNumericKind } from '../../shared/protocol/values.js';
import type { Cell, Column } from '../../shared/protocol/values.js';
import { sanitizeForTerminal, sanitizeLine } from './sanitize.js';
import { writeText } from './sink.js';
import type { FormatOptions, OutputSink, ResultSummary, ResultWriter } from './types.js';

/*
 * psql's aligned format, rendered here rather than with cli-table3: cli-table3 0.6 measures with its
 * own bundled string-width 4, which counts newer emoji ZWJ sequences (🧑‍💻 = 5 columns instead of 2),
 * zero-width spaces and soft hyphens wrongly, and it pads with that measure, so such cells break the
 * alignment. We measure with string-width 8 and pad ourselves.
 */

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
const DIM_ON = '\x1b[2m';
const DIM_OFF = '\x1b[22m';

/** Display width of sanitized text (no escape sequences left, so none are stripped). */
function displayWidth(text: string): number {
  return PRINTABLE_ASCII.test(text) ? text.length : stringWidth(text, { countAnsiEscapeCodes: true });
}

interface RenderedCell {
  lines: string[];
  widths: number[];
  isNull: boolean;
}

/** psql-style table, one block per batch, as with psql's FETCH_COUNT: never holds more than one batch. */
export class TableWriter implements ResultWriter {
  private readonly out: OutputSink;
  private readonly color: boolean;
  private readonly nullText: string;
  private readonly nullWidth: number;
  private columns: Column[] = [];
  private rightAligned: boolean[] = [];
  private names: string[] = [];
  private nameWidths: number[] = [];
  /** Column widths so far; they only grow, so later blocks stay aligned with earlier ones when they can. */
  private widths: number[] = [];
  private headerWritten = false;
  private rowsSeen = 0;

  constructor(out: OutputSink, options: FormatOptions = {}) {
    this.out = out;
    this.color = options.color === true;
    this.nullText = sanitizeLine(options.nullText ?? '<null>');
    this.nullWidth = displayWidth(this.nullText);
  }

  begin(columns: Column[]): Promise<void> {
    this.columns = columns;
    this.rightAligned = columns.map((column) => isNumericKind(column.kind));
    this.names = columns.map((column) => sanitizeLine(column.name));
    this.nameWidths = this.names.map(displayWidth);
    this.widths = [...this.nameWidths];
    return Promise.resolve();
  }

  writeRows(rows: Cell[][]): Promise<void> {
    if (rows.length === 0) return Promise.resolve();
    this.rowsSeen += rows.length;
    if (this.columns.length === 0) return Promise.resolve();
    const rendered = rows.map((row) => this.renderRow(row));
    const parts: string[] = [];
    if (!this.headerWritten) {
      this.headerWritten = true;
      this.pushHeader(parts);
    }
    for (const row of rendered) this.pushRow(parts, row);
    return writeText(this.out, parts.join(''));
  }

  end(summary: ResultSummary): Promise<void> {
    const parts: string[] = [];
    if (this.columns.length === 0 && this.rowsSeen === 0 && summary.rowCount === 0) {
      const command = sanitizeLine(summary.command ?? 'OK');
      parts.push(summary.affectedRows === null ? command : `${command} ${summary.affectedRows}`, '\n');
    } else {
      if (!this.headerWritten && this.columns.length > 0) {
        this.headerWritten = true;
        this.pushHeader(parts);
      }
      parts.push(summary.rowCount === 1 ? '(1 row)\n' : `(${summary.rowCount} rows)\n`);
    }
    if (summary.truncated) parts.push('(result truncated: more rows were left unread)\n');
    if (this.columns.length > 0) parts.push('\n');
    return writeText(this.out, parts.join(''));
  }

  private renderRow(row: Cell[]): RenderedCell[] {
    const cells: RenderedCell[] = [];
    for (let index = 0; index < this.columns.length; index++) {
      const cell = row[index] ?? null;
      let rendered: RenderedCell;
      if (cell === null) {
        rendered = { lines: [this.nullText], widths: [this.nullWidth], isNull: true };
      } else {
        const text = sanitizeForTerminal(cellText(cell));
        const lines = text.includes('\n') ? text.split('\n') : [text];
        rendered = { lines, widths: lines.map(displayWidth), isNull: false };
      }
      for (const width of rendered.widths) if (width > (this.widths[index] ?? 0)) this.widths[index] = width;
      cells.push(rendered);
    }
    return cells;
  }

  private pushHeader(parts: string[]): void {
    const header: string[] = [];
    const rule: string[] = [];
    for (let index = 0; index < this.columns.length; index++) {
      const width = this.widths[index] ?? 0;
      const gap = width - (this.nameWidths[index] ?? 0);
      const left = Math.floor(gap / 2);
      header.push(' ' + ' '.repeat(left) + (this.names[index] ?? '') + ' '.repeat(gap - left) + ' ');
      rule.push('-'.repeat(width + 2));
    }
    parts.push(header.join('|'), '\n', rule.join('+'), '\n');
  }

  private pushRow(parts: string[], row: RenderedCell[]): void {
    let height = 1;
    for (const cell of row) if (cell.lines.length > height) height = cell.lines.length;
    for (let line = 0; line < height; line++) {
      const fields: string[] = [];
      for (let index = 0; index < row.length; index++) {
        const cell = row[index];
        const width = this.widths[index] ?? 0;
        const text = cell?.lines[line] ?? '';
        const pad = ' '.repeat(width - (cell?.widths[line] ?? 0));
        const shown = this.color && cell?.isNull === true ? DIM_ON + text + DIM_OFF : text;
        // psql marks a cell that continues on the next line with '+' in its right margin.
        const margin = cell !== undefined && line < cell.lines.length - 1 ? '+' : ' ';
        fields.push(' ' + (this.rightAligned[index] === true ? pad + shown : shown + pad) + margin);
      }
      parts.push(fields.join('|'), '\n');
    }
  }
}
