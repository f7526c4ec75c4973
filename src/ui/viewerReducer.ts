/** What the viewer knows about the rows of its result (the window itself lives outside the state). */
export interface RowsKnown {
  /** Held rows: `[start, end)`. */
  start: number;
  end: number;
  /** Rows read from the statement's cursor so far. */
  fetched: number;
  /** The row count once the whole result was read. */
  total: number | null;
}

export interface ViewerState {
  cursor: number;
  /** First row on screen. */
  top: number;
  /** First column on screen. */
  left: number;
  /** Lines available for rows. */
  height: number;
  columnCount: number;
  /** `\x`: records as blocks of `name │ value` lines. */
  expanded: boolean;
  rows: RowsKnown;
  /** End/G was pressed before the row count was known: the whole result is being read. */
  seekingEnd: boolean;
  /** A row the user moved towards that was not fetched yet: the cursor goes there when it arrives. */
  wanted: number | null;
  /** The record view of the cursor row, scrolled by `scroll` lines; null when the grid shows. */
  record: { scroll: number } | null;
}

export type ViewerAction =
  | { type: 'move'; delta: number }
  | { type: 'page'; direction: 1 | -1 }
  | { type: 'top' }
  | { type: 'bottom' }
  | { type: 'column'; delta: 1 | -1 }
  | { type: 'resize'; height: number }
  | { type: 'rows'; rows: RowsKnown }
  | { type: 'seekDone' }
  | { type: 'openRecord' }
  | { type: 'closeRecord' }
  | { type: 'recordScroll'; delta: number; maxScroll: number }
  | { type: 'recordStep'; delta: 1 | -1 };

export function initialViewer(options: {
  height: number;
  columnCount: number;
  expanded: boolean;
  rows: RowsKnown;
}): ViewerState {
  return { cursor: 0, top: 0, left: 0, seekingEnd: false, wanted: null, record: null, ...options };
}

/** Rows shown at once: one per line, or whole `\x` blocks (a header line plus one line per column). */
export function rowsPerScreen(state: Pick<ViewerState, 'height' | 'expanded' | 'columnCount'>): number {
  const height = Math.max(1, state.height);
  return state.expanded ? Math.max(1, Math.floor(height / (state.columnCount + 1))) : height;
}

/** The last row the cursor may reach: the last row of the result, or of what was fetched so far. */
function lastRow(rows: RowsKnown): number {
  return Math.max(0, (rows.total ?? rows.fetched) - 1);
}

function place(state: ViewerState, cursor: number): ViewerState {
  // Past what was fetched of a result with more rows: go as far as possible and remember the target.
  const beyond = state.rows.total === null && cursor > lastRow(state.rows);
  const wanted = beyond ? cursor : null;
  if (wanted !== state.wanted) state = { ...state, wanted };
  const clamped = Math.max(0, Math.min(cursor, lastRow(state.rows)));
  const visible = rowsPerScreen(state);
  let top = state.top;
  if (clamped < top) top = clamped;
  else if (clamped >= top + visible) top = clamped - visible + 1;
  top = Math.max(0, Math.min(top, Math.max(0, lastRow(state.rows) - visible + 1)));
  if (clamped === state.cursor && top === state.top) return state;
  return { ...state, cursor: clamped, top };
}

/** Cursor and scrolling of the results grid and its record view. */
export function viewerReducer(state: ViewerState, action: ViewerAction): ViewerState {
  switch (action.type) {
    case 'move':
      return place(state, (state.wanted ?? state.cursor) + action.delta);
    case 'page': {
      const visible = rowsPerScreen(state);
      const from = state.wanted ?? state.cursor;
      const top = Math.max(0, state.top + action.direction * visible);
      return place({ ...state, top }, from + action.direction * visible);
    }
    case 'top':
      return place({ ...state, seekingEnd: false, wanted: null }, 0);
    case 'bottom':
      if (state.rows.total === null) return { ...state, seekingEnd: true };
      return place({ ...state, seekingEnd: false }, state.rows.total - 1);
    case 'column': {
      const left = Math.max(0, Math.min(state.left + action.delta, state.columnCount - 1));
      return left === state.left ? state : { ...state, left };
    }
    case 'resize':
      return place({ ...state, height: Math.max(1, action.height) }, state.cursor);
    case 'rows': {
      const next = { ...state, rows: action.rows };
      if (next.seekingEnd && action.rows.total !== null) {
        return place({ ...next, seekingEnd: false }, action.rows.total - 1);
      }
      return place(next, state.wanted ?? state.cursor);
    }
    case 'seekDone':
      return state.seekingEnd ? { ...state, seekingEnd: false } : state;
    case 'openRecord':
      return state.rows.fetched === 0 && state.rows.total === 0 ? state : { ...state, record: { scroll: 0 } };
    case 'closeRecord':
      return state.record === null ? state : { ...state, record: null };
    case 'recordScroll': {
      if (state.record === null) return state;
      const scroll = Math.max(0, Math.min(state.record.scroll + action.delta, action.maxScroll));
      return scroll === state.record.scroll ? state : { ...state, record: { scroll } };
    }
    case 'recordStep': {
      if (state.record === null) return state;
      const moved = place(state, state.cursor + action.delta);
      return moved === state ? state : { ...moved, record: { scroll: 0 } };
    }
  }
}
