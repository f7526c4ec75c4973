import { cellText, type Cell, type Column } from '../../shared/protocol/values.js';
import { sanitizeForTerminal, sanitizeLine } from '../format/sanitize.js';
import { NULL_TEXT } from './gridLayout.js';
import { prettyJson } from './jsonPretty.js';
import { displayWidth, truncateToWidth, wrapToWidth } from './textWidth.js';

const DIM = '\x1b[2m';
const BOLD = '\x1b[1m';
const NORMAL = '\x1b[22m';

/** Values longer than this are cut in the record view (the export has them whole). */
export const RECORD_VALUE_LIMIT = 256 * 1024;

/** A value's full text for the record view: JSON indented (digits kept), other text as stored. */
export function recordValueText(cell: Exclude<Cell, null>, column: Column): string {
  const text = cellText(cell);
  if (column.kind !== 'json' || text.length > RECORD_VALUE_LIMIT) return text;
  return prettyJson(text) ?? text;
}

/**
 * One row as a record: each column's name and type, then its whole value wrapped to the width (line
 * breaks kept, other control characters shown as escapes).
 */
export function recordLines(columns: readonly Column[], row: readonly Cell[], width: number): string[] {
  const lines: string[] = [];
  const valueWidth = Math.max(1, width - 2);
  columns.forEach((column, c) => {
    if (c > 0) lines.push('');
    // Name and type share one line, cut to the width (a frame line must never wrap).
    const name = truncateToWidth(sanitizeLine(column.name), width);
    const room = width - displayWidth(name) - 1;
    const type = room > 1 ? ` ${DIM}${truncateToWidth(sanitizeLine(column.type), room)}${NORMAL}` : '';
    lines.push(`${BOLD}${name}${NORMAL}${type}`);
    const cell = row[c] ?? null;
    if (cell === null) {
      lines.push(`  ${DIM}${NULL_TEXT}${NORMAL}`);
      return;
    }
    let text = recordValueText(cell, column);
    let cut = false;
    if (text.length > RECORD_VALUE_LIMIT) {
      text = text.slice(0, RECORD_VALUE_LIMIT);
      cut = true;
    }
    for (const line of wrapToWidth(sanitizeForTerminal(text), valueWidth)) lines.push(`  ${line}`);
    if (cut)
      lines.push(
        `  ${DIM}… (cut at ${RECORD_VALUE_LIMIT / 1024} KiB; export the result for all of it)${NORMAL}`,
      );
  });
  return lines;
}
