import { DbqError } from '../../shared/protocol/errors.js';
import { formatError } from '../format/errorText.js';
import { sanitizeLine } from '../format/sanitize.js';
import type { Cell, Column } from '../../shared/protocol/values.js';
import type { ConnectionInfo } from '../repl/connection.js';
import type { DevicePrompt } from '../sso/oidc.js';
import { formatDevicePrompt } from '../sso/promptText.js';
import { dim, formatBytes, formatCount, formatDuration, red } from './display.js';
import { transcriptExpanded, transcriptTable } from './gridLayout.js';

/*
 * The text the REPL prints into its transcript. Everything that came from the database or the user goes
 * through the terminal sanitizer here; colour codes are added after.
 */

/** The typed input as it was entered: the prompt, then the continuation prompt on later lines. */
export function echoLines(profile: string, text: string, markers: readonly string[]): string[] {
  return text.split('\n').map((line, i) => {
    const prompt = `${sanitizeLine(profile)}${markers[i] ?? '-'}> `;
    return dim(prompt) + sanitizeLine(line.replace(/\t/g, '    '));
  });
}

/** An error as psql shows it (code, SQLSTATE, a caret under the position, detail and hint), in red. */
export function errorLines(error: unknown, sql?: string): string[] {
  if (error instanceof DbqError && error.code === 'CANCELLED') {
    return [red(`Cancelled: ${sanitizeLine(error.message)}`)];
  }
  return formatError(error, sql)
    .split('\n')
    .map((line) => red(line));
}

export function commandTag(command: string | null, affectedRows: number | null): string {
  const tag = sanitizeLine(command ?? 'OK');
  return affectedRows === null ? tag : `${tag} ${affectedRows}`;
}

export function noticeLines(notices: readonly string[]): string[] {
  return notices.map((notice) => dim(`NOTICE:  ${sanitizeLine(notice)}`));
}

export function timingLine(elapsedMs: number): string {
  return dim(`Time: ${elapsedMs.toFixed(3)} ms`);
}

export function connectedLine(info: ConnectionInfo): string {
  return dim(
    `Connected to ${sanitizeLine(info.profile)}: ${sanitizeLine(info.engine)} ${sanitizeLine(info.serverVersion)}, ` +
      `database ${sanitizeLine(info.database)}, as ${sanitizeLine(info.principal)} (role ${info.role}).`,
  );
}

/** The SSO device sign-in instructions (URL and code come from the network: sanitized). */
export function signInPromptLines(prompt: DevicePrompt, startUrl: string): string[] {
  return formatDevicePrompt(prompt, startUrl)
    .trimEnd()
    .split('\n')
    .map((line) => sanitizeLine(line));
}

/** The summary left in the transcript when the viewer closes. */
export function resultSummary(options: { total: number | null; fetched: number; elapsedMs: number }): string {
  const rows =
    options.total === null
      ? `${formatCount(options.fetched)}+ rows (more were not read)`
      : options.total === 1
        ? '1 row'
        : `${formatCount(options.total)} rows`;
  return dim(`(${rows}, first page in ${formatDuration(options.elapsedMs)})`);
}

export function exportedLine(rows: number, bytes: number, path: string): string {
  return `Exported ${formatCount(rows)} rows (${formatBytes(bytes)}) to ${sanitizeLine(path)}`;
}

/** The one line that says how to add a real database (profiles are managed by `dbq profiles`). */
export const ADD_PROFILE_HINT =
  'This is the built-in local demo database. To add a real one: dbq profiles add NAME --region R --function F …';

/**
 * A complete result printed like psql, when it fits the terminal (or always, with `force`); null when it
 * belongs in the viewer instead.
 */
export function completeResultLines(
  columns: readonly Column[],
  rows: readonly Cell[][],
  size: { columns: number; rows: number },
  expanded: boolean,
  force: boolean,
): string[] | null {
  const lines = expanded
    ? transcriptExpanded(columns, rows, size.columns)
    : transcriptTable(columns, rows, size.columns);
  return lines && (force || lines.length <= size.rows - 3) ? lines : null;
}

/** For `\i`: the first rows of a long result and a note (a script's results are not browsed one by one). */
export function previewLines(
  columns: readonly Column[],
  rows: readonly Cell[][],
  size: { columns: number; rows: number },
  expanded: boolean,
): string[] {
  const shown = rows.slice(0, Math.max(1, size.rows - 6));
  const lines = expanded
    ? transcriptExpanded(columns, shown, size.columns)
    : (transcriptTable(columns, shown, size.columns)?.slice(0, -1) ?? [
        dim('(the result is wider than the terminal: run the statement alone to browse it)'),
      ]);
  return [...lines, dim(`(first ${shown.length} rows shown; run the statement alone to browse all of them)`)];
}
