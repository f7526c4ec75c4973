import stringWidth from 'string-width';
import { DbqError } from '../../shared/protocol/errors.js';
import { sanitizeLine } from './sanitize.js';

function locate(sql: string, position: number): { line: number; text: string; column: number } {
  const index = Math.min(Math.max(position - 1, 0), sql.length);
  const before = sql.slice(0, index);
  const lineStart = before.lastIndexOf('\n') + 1;
  const lineEnd = sql.indexOf('\n', index);
  return {
    line: before.split('\n').length,
    text: sql.slice(lineStart, lineEnd === -1 ? sql.length : lineEnd),
    column: index - lineStart,
  };
}

/**
 * An error as psql shows it: the message with its code and SQLSTATE, the statement line with a caret at
 * the reported position, then DETAIL and HINT. Every part is sanitized for the terminal.
 */
export function formatError(error: unknown, sql?: string): string {
  const e =
    error instanceof DbqError
      ? error
      : new DbqError('INTERNAL', error instanceof Error ? error.message : String(error));
  const codes = [
    e.code,
    e.fields.sqlstate ? `SQLSTATE ${e.fields.sqlstate}` : null,
    e.fields.errno ? `errno ${e.fields.errno}` : null,
  ]
    .filter((part) => part !== null)
    .join(', ');
  const lines = [`ERROR:  ${sanitizeLine(e.message)} (${codes})`];
  if (sql !== undefined && e.fields.position !== undefined) {
    const where = locate(sql, e.fields.position);
    const prefix = `LINE ${where.line}: `;
    const text = sanitizeLine(where.text.replace(/\t/g, ' '));
    const caretAt =
      stringWidth(prefix) + stringWidth(sanitizeLine(where.text.slice(0, where.column).replace(/\t/g, ' ')));
    lines.push(`${prefix}${text}`, `${' '.repeat(caretAt)}^`);
  }
  if (e.fields.detail) lines.push(`DETAIL:  ${sanitizeLine(e.fields.detail)}`);
  if (e.fields.hint) lines.push(`HINT:  ${sanitizeLine(e.fields.hint)}`);
  if (e.fields.where) lines.push(`CONTEXT:  ${sanitizeLine(e.fields.where)}`);
  return lines.join('\n');
}
