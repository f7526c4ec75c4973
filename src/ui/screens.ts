import type { Cell } from '../../shared/protocol/index.js';
import { sanitizeLine } from '../format/sanitize.js';
import { promptMarker } from '../repl/inputRules.js';
import { SPINNER, bold, dim, formatBytes, formatCount, formatDuration, inverse, red } from './display.js';
import { layoutEditor } from './editorLayout.js';
import { expandedRecordLines, headerLine, ruleLine, rowLine, visibleColumns } from './gridLayout.js';
import type { ReplState } from './replReducer.js';
import { fitToWidth } from './textWidth.js';
import { rowsPerScreen } from './viewerReducer.js';

/*
 * The live area (everything below the transcript) as lines, at most `rows - 1` of them so Ink never
 * clears the screen, each at most `columns` wide so the terminal never wraps one.
 */

export interface ScreenInput {
  state: ReplState;
  columns: number;
  rows: number;
  /** performance.now() when drawn: elapsed times. */
  now: number;
  tick: number;
  row(index: number): Cell[] | undefined;
  recordLines(width: number): string[];
}

function spinner(tick: number): string {
  return SPINNER[tick % SPINNER.length] ?? '*';
}

/** Plain text fitted to the width, then styled (styling after fitting keeps the measure right). */
function line(text: string, width: number, style: (t: string) => string = (t) => t): string {
  return style(fitToWidth(text, width).trimEnd());
}

function connectionText(state: ReplState, tick: number): { text: string; failed: boolean } {
  const status = state.connection;
  switch (status.kind) {
    case 'connecting':
      return { text: `${spinner(tick)} connecting to ${sanitizeLine(status.profile)}…`, failed: false };
    case 'failed':
      return {
        text: `not connected to ${sanitizeLine(status.profile)}: ${sanitizeLine(status.error.message)}`,
        failed: true,
      };
    case 'ready': {
      const i = status.info;
      return {
        text:
          `${sanitizeLine(i.profile)} · ${i.role} · ${sanitizeLine(i.engine)} ${sanitizeLine(i.serverVersion)} · ${sanitizeLine(i.database)}` +
          (i.identity === undefined ? '' : ` · ${sanitizeLine(i.identity)}`),
        failed: false,
      };
    }
  }
}

function profileAndRole(state: ReplState): string {
  const status = state.connection;
  if (status.kind === 'ready') return `${sanitizeLine(status.info.profile)} · ${status.info.role}`;
  return sanitizeLine(status.profile);
}

function exportLine(state: ReplState, input: ScreenInput): string | null {
  const progress = state.exporting;
  if (!progress) return null;
  const width = 12;
  let bar: string;
  if (progress.total !== null && progress.total > 0) {
    const fraction = Math.min(1, progress.rows / progress.total);
    const filled = Math.round(fraction * width);
    bar = `[${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ${Math.floor(fraction * 100)}%`;
  } else {
    // The row count is unknown until the export ends: a block that moves shows it is alive.
    const at = input.tick % (width * 2 - 2);
    const position = at < width ? at : width * 2 - 2 - at;
    bar = `[${' '.repeat(position)}█${' '.repeat(width - 1 - position)}]`;
  }
  const tail = progress.cancelling ? 'cancelling…' : 'Esc cancels';
  return line(
    `Exporting ${bar} ${formatCount(progress.rows)} rows · ${formatBytes(progress.bytes)} · ` +
      `${formatCount(progress.rate)} rows/s · ${tail}`,
    input.columns,
  );
}

function noticeLine(state: ReplState, width: number): string | null {
  if (!state.notice) return null;
  return line(state.notice.text, width, state.notice.tone === 'error' ? red : (t) => t);
}

const VIEWER_HINTS = '↑↓ PgUp PgDn g G ←→ · Enter record · e export · q back · \\? help at the prompt';
const RECORD_HINTS = '↑↓ scroll · ←→ previous/next row · q back';

/** The results viewer: the grid (or `\x` records, or one record), a status line and an info line. */
export function viewerScreen(input: ScreenInput): string[] {
  const { state, columns: width } = input;
  const result = state.result;
  if (!result) return [];
  const { info, viewer } = result;
  const height = viewer.height;
  const known = viewer.rows.total ?? viewer.rows.fetched;
  const body: string[] = [];
  let columnsText = '';
  if (viewer.record) {
    const all = input.recordLines(width);
    const title = `Record ${formatCount(viewer.cursor + 1)} of ${formatCount(known)}${viewer.rows.total === null ? '+' : ''}`;
    body.push(line(title, width, bold));
    if (all.length === 0) body.push(dim('…'));
    body.push(...all.slice(viewer.record.scroll, viewer.record.scroll + height + 1));
  } else if (viewer.expanded) {
    for (let i = viewer.top; i < known && body.length < height + 2; i++) {
      body.push(...expandedRecordLines(info.shape, input.row(i), i, width, i === viewer.cursor));
    }
    body.splice(height + 2);
  } else {
    const visible = visibleColumns(info.shape, viewer.left, width);
    body.push(headerLine(info.shape, visible), ruleLine(visible));
    const last = Math.min(known, viewer.top + rowsPerScreen(viewer));
    for (let i = viewer.top; i < last; i++) {
      body.push(rowLine(info.shape, visible, input.row(i), i === viewer.cursor));
    }
    if (known === 0) body.push(line('(0 rows)', width, dim));
    if (visible.moreRight || viewer.left > 0) {
      const first = (visible.indexes[0] ?? 0) + 1;
      const lastShown = (visible.indexes[visible.indexes.length - 1] ?? 0) + 1;
      columnsText = ` · cols ${first}–${lastShown} of ${info.columns.length}${visible.moreRight ? ' →' : ''}`;
    }
  }
  const firstShown = known === 0 ? 0 : viewer.top + 1;
  const lastShown = Math.min(known, viewer.top + rowsPerScreen(viewer));
  const rowsText =
    viewer.rows.total !== null
      ? `rows ${formatCount(firstShown)}–${formatCount(lastShown)} of ${formatCount(viewer.rows.total)}`
      : `rows ${formatCount(firstShown)}–${formatCount(lastShown)} · ${formatCount(viewer.rows.fetched)} fetched, more to come`;
  const fetchText = state.fetching
    ? viewer.seekingEnd
      ? ` · ${spinner(input.tick)} reading to the end: ${formatCount(viewer.rows.fetched)} rows (Esc stops)`
      : ` · ${spinner(input.tick)} fetching`
    : '';
  const status = line(
    `${rowsText}${fetchText}${columnsText} · ${formatDuration(info.elapsedMs)} · ${profileAndRole(state)}`,
    width,
    inverse,
  );
  const infoLine =
    exportLine(state, input) ??
    noticeLine(state, width) ??
    line(viewer.record ? RECORD_HINTS : VIEWER_HINTS, width, dim);
  return [...body, status, infoLine];
}

/** The prompt: the input (or the running statement), reverse search, progress, notice and status. */
export function promptScreen(input: ScreenInput): string[] {
  const { state, columns: width, rows } = input;
  const extras: string[] = [];
  const exporting = exportLine(state, input);
  if (exporting) extras.push(exporting);
  const notice = noticeLine(state, width);
  if (notice) extras.push(notice);
  const connection = connectionText(state, input.tick);
  const flags = [state.settings.expanded ? '\\x on' : '', state.settings.timing ? 'timing on' : '']
    .filter(Boolean)
    .join(' · ');
  const status = line(
    `${connection.text}${flags ? ` · ${flags}` : ''} · \\? help`,
    width,
    connection.failed ? red : dim,
  );
  const room = Math.max(1, rows - 1 - 1 - extras.length);
  const body: string[] = [];
  if (state.running) {
    const elapsed = formatDuration(input.now - state.running.startedAt);
    body.push(
      line(`${spinner(input.tick)} ${state.running.label} ${elapsed} · Esc or Ctrl-C cancels`, width),
    );
  } else {
    const profile = sanitizeLine(
      state.connection.kind === 'ready' ? state.connection.info.profile : state.connection.profile,
    );
    const dialect = state.connection.kind === 'ready' ? state.connection.info.dialect : 'postgres';
    const search = state.editor.search;
    const buffer = search
      ? (() => {
          const text = search.match === -1 ? '' : (state.editor.history[search.match] ?? '');
          return { text, cursor: text.length };
        })()
      : state.editor.buffer;
    const layout = layoutEditor(
      buffer,
      width,
      (index) => {
        if (index === 0) return `${profile}=> `;
        const before = buffer.text.split('\n').slice(0, index).join('\n');
        return `${profile}${promptMarker(before, dialect)}> `;
      },
      room - (search ? 1 : 0),
    );
    body.push(...layout.lines);
    if (search) {
      const failing = search.query !== '' && search.match === -1 ? 'failing ' : '';
      body.push(
        line(
          `(${failing}reverse-i-search)'${sanitizeLine(search.query)}': Enter runs, Esc edits`,
          width,
          dim,
        ),
      );
    }
  }
  return [...body, ...extras, status];
}
