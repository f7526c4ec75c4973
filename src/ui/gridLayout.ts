import { cellText, isNumericKind, type Cell, type Column } from '../../shared/protocol/values.js';
import { sanitizeLine } from '../format/sanitize.js';
import { displayWidth, fitToWidth } from './textWidth.js';

/*
 * The results grid as pre-formatted lines: one string per terminal line, exactly as wide as the layout
 * says, so Ink never wraps or re-measures cells. Every cell passes through the terminal sanitizer before
 * it is measured; our own SGR codes (dim NULL, bold header, inverse cursor row) are added afterwards.
 */

export const MAX_COLUMN_WIDTH = 40;
export const NULL_TEXT = '<null>';
const SEPARATOR = '│';

const DIM = '\x1b[2m';
const BOLD = '\x1b[1m';
const NORMAL = '\x1b[22m';
const INVERSE = '\x1b[7m';
const NO_INVERSE = '\x1b[27m';

/** Enough characters of a cell to fill the widest column even after escapes expand them. */
const CELL_PREFIX = MAX_COLUMN_WIDTH * 4;

/** A cell as one sanitized line (control characters and newlines shown as escapes), or null for NULL. */
export function cellLine(cell: Cell, limit = CELL_PREFIX): string | null {
  if (cell === null) return null;
  const text = cellText(cell);
  return sanitizeLine(text.length > limit ? text.slice(0, limit) : text);
}

export interface GridShape {
  names: string[];
  numeric: boolean[];
  /** Content widths, from the header and every row seen so far, capped at MAX_COLUMN_WIDTH. */
  widths: number[];
}

export function gridShape(columns: readonly Column[]): GridShape {
  const names = columns.map((column) => sanitizeLine(column.name));
  return {
    names,
    numeric: columns.map((column) => isNumericKind(column.kind)),
    widths: names.map((name) => Math.min(MAX_COLUMN_WIDTH, Math.max(1, displayWidth(name)))),
  };
}

/** Widens columns to fit `rows` (widths only grow, so the grid does not jump back while scrolling). */
export function measureRows(
  shape: GridShape,
  rows: Iterable<readonly Cell[]>,
  cap = MAX_COLUMN_WIDTH,
): GridShape {
  const widths = [...shape.widths];
  const count = widths.length;
  for (const row of rows) {
    for (let c = 0; c < count; c++) {
      if ((widths[c] ?? 0) >= cap) continue;
      const cell = row[c] ?? null;
      const w = cell === null ? NULL_TEXT.length : displayWidth(cellLine(cell, cap * 4) ?? '');
      if (w > (widths[c] ?? 0)) widths[c] = Math.min(cap, w);
    }
  }
  return { ...shape, widths };
}

export interface VisibleColumns {
  /** Column indexes shown, from `left`. */
  indexes: number[];
  /** Width given to each shown column (the last may be cut short to fit the terminal). */
  widths: number[];
  /** Columns are hidden to the right. */
  moreRight: boolean;
}

/** The columns that fit in `width` terminal columns starting at column `left`. */
export function visibleColumns(shape: GridShape, left: number, width: number): VisibleColumns {
  const indexes: number[] = [];
  const widths: number[] = [];
  let used = 0;
  const count = shape.widths.length;
  for (let c = Math.max(0, Math.min(left, count - 1)); c < count; c++) {
    const separator = indexes.length > 0 ? 1 : 0;
    const want = (shape.widths[c] ?? 1) + 2;
    const room = width - used - separator;
    if (room < 3) break;
    indexes.push(c);
    if (want <= room) {
      widths.push(want - 2);
      used += want + separator;
    } else {
      widths.push(room - 2);
      used += room + separator;
      break;
    }
  }
  const last = indexes[indexes.length - 1];
  const cut = widths[widths.length - 1] !== shape.widths[last ?? 0];
  return { indexes, widths, moreRight: last !== undefined && (last < count - 1 || cut) };
}

export function headerLine(shape: GridShape, visible: VisibleColumns): string {
  const parts = visible.indexes.map((c, i) => {
    const width = visible.widths[i] ?? 1;
    return ` ${fitToWidth(shape.names[c] ?? '', width, shape.numeric[c] === true)} `;
  });
  return BOLD + parts.join(SEPARATOR) + NORMAL;
}

export function ruleLine(visible: VisibleColumns): string {
  return visible.widths.map((width) => '─'.repeat(width + 2)).join('┼');
}

/** One row; the cursor row is drawn in inverse video. NULL is dim `<null>`, unlike the text 'NULL'. */
export function rowLine(
  shape: GridShape,
  visible: VisibleColumns,
  row: readonly Cell[] | undefined,
  selected: boolean,
): string {
  const parts: string[] = [];
  for (let i = 0; i < visible.indexes.length; i++) {
    const c = visible.indexes[i] ?? 0;
    const width = visible.widths[i] ?? 1;
    if (row === undefined) {
      parts.push(` ${fitToWidth(i === 0 ? '…' : '', width)} `);
      continue;
    }
    const text = cellLine(row[c] ?? null, width * 4 + 4);
    if (text === null) {
      parts.push(` ${DIM}${fitToWidth(NULL_TEXT, width)}${NORMAL} `);
    } else {
      parts.push(` ${fitToWidth(text, width, shape.numeric[c] === true)} `);
    }
  }
  const line = parts.join(SEPARATOR);
  return selected ? INVERSE + line + NO_INVERSE : line;
}

/** psql's expanded layout (`\x`): a header line per record, then `name │ value` per column. */
export function expandedRecordLines(
  shape: GridShape,
  row: readonly Cell[] | undefined,
  index: number,
  width: number,
  selected: boolean,
): string[] {
  const nameWidth = Math.min(
    MAX_COLUMN_WIDTH,
    shape.names.reduce((max, name) => Math.max(max, displayWidth(name)), 1),
  );
  const title = `-[ RECORD ${index + 1} ]`;
  const header = fitToWidth(title + '-'.repeat(Math.max(0, width - title.length)), width);
  const lines = [selected ? INVERSE + header + NO_INVERSE : header];
  const valueWidth = Math.max(1, width - nameWidth - 3);
  for (let c = 0; c < shape.names.length; c++) {
    const name = fitToWidth(shape.names[c] ?? '', nameWidth);
    const text = row === undefined ? '…' : cellLine(row[c] ?? null, valueWidth * 4);
    const value =
      text === null
        ? `${DIM}${fitToWidth(NULL_TEXT, Math.min(valueWidth, NULL_TEXT.length))}${NORMAL}`
        : fitToWidth(text, valueWidth).trimEnd();
    lines.push(`${name} ${SEPARATOR} ${value}`);
  }
  return lines;
}

/**
 * The whole table as psql would print it, for the transcript: every value in full on one line. Null when
 * it is wider than `width` (the viewer, which scrolls sideways, shows it instead).
 */
export function transcriptTable(
  columns: readonly Column[],
  rows: readonly (readonly Cell[])[],
  width: number,
): string[] | null {
  const names = gridShape(columns);
  const shape = measureRows(
    { ...names, widths: names.names.map((name) => Math.max(1, displayWidth(name))) },
    rows,
    width + 1,
  );
  const total = shape.widths.reduce((sum, w) => sum + w + 3, -1);
  if (total > width) return null;
  const visible = visibleColumns(shape, 0, width);
  const lines = [headerLine(shape, visible), ruleLine(visible)];
  for (const row of rows) lines.push(rowLine(shape, visible, row, false));
  lines.push(rows.length === 1 ? '(1 row)' : `(${rows.length} rows)`);
  return lines;
}

/** Expanded records for the transcript (`\x` on). */
export function transcriptExpanded(
  columns: readonly Column[],
  rows: readonly (readonly Cell[])[],
  width: number,
): string[] {
  const shape = gridShape(columns);
  const lines: string[] = [];
  rows.forEach((row, index) => lines.push(...expandedRecordLines(shape, row, index, width, false)));
  if (rows.length === 0) lines.push('(0 rows)');
  return lines;
}
