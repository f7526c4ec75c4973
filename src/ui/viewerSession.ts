import type { Cell } from '../../shared/protocol/index.js';
import type { ResultWindow } from '../repl/resultWindow.js';
import { measureRows, type GridShape } from './gridLayout.js';
import type { ReplAction, ReplState } from './replReducer.js';
import type { Store } from './replStore.js';
import { rowsPerScreen, type RowsKnown } from './viewerReducer.js';

/** Rows read ahead of the view, beyond two screens, so scrolling rarely waits for the network. */
const LOOKAHEAD_ROWS = 200;
const PROGRESS_INTERVAL_MS = 100;

export function rowsKnown(window: ResultWindow): RowsKnown {
  return { start: window.start, end: window.end, fetched: window.fetched, total: window.total };
}

/**
 * The open result behind the viewer: it fetches rows in the background as the view nears the end of
 * what is held (or re-reads rows dropped behind it), reads the whole result for End/G, and widens the
 * columns as new rows arrive. The UI state only learns row counts; rows are read from the window.
 */
export class ViewerSession {
  private measuredTo: number;
  private fetchAbort: AbortController | null = null;
  private recheck = false;
  private closedResolve: () => void = () => undefined;
  readonly closed: Promise<void>;

  constructor(
    readonly id: number,
    readonly window: ResultWindow,
    private readonly store: Store<ReplState, ReplAction>,
  ) {
    this.measuredTo = window.end;
    this.closed = new Promise((resolve) => (this.closedResolve = resolve));
  }

  row(index: number): Cell[] | undefined {
    return this.window.row(index);
  }

  private isShown(state: ReplState): boolean {
    return state.result?.info.id === this.id;
  }

  /** Called after every change of the view: starts a fetch when rows near the view are missing. */
  update(): void {
    const state = this.store.getState();
    if (!state.result || !this.isShown(state)) return;
    if (this.window.busy) {
      this.recheck = true;
      return;
    }
    const viewer = state.result.viewer;
    if (viewer.seekingEnd) {
      this.readToEnd();
      return;
    }
    const w = this.window;
    const screen = rowsPerScreen(viewer);
    const from = Math.max(0, viewer.top - screen);
    const to = viewer.top + screen * 3 + LOOKAHEAD_ROWS;
    const nearEnd = viewer.top + screen * 2 + LOOKAHEAD_ROWS > w.end;
    const canGrow = w.end < w.fetched ? w.canRefetch : !w.complete;
    const wantForward = nearEnd && canGrow;
    const wantBackward = w.canRefetch && from < w.start;
    if (!wantForward && !wantBackward) return;
    this.track(w.ensure(from, to));
  }

  private track(work: Promise<void>, onSettled?: (failed: boolean) => void): void {
    const before = `${this.window.start}:${this.window.end}:${this.window.fetched}`;
    this.store.dispatch({ type: 'fetching', value: true });
    work
      .then(
        () => false,
        (error: unknown) => {
          this.store.dispatch({
            type: 'notice',
            notice: { tone: 'error', text: `fetching rows failed: ${(error as Error).message}` },
          });
          return true;
        },
      )
      .then((failed) => {
        if (!this.isShown(this.store.getState())) return;
        this.store.batch(() => {
          this.measure();
          this.store.dispatch({ type: 'viewer', action: { type: 'rows', rows: rowsKnown(this.window) } });
          onSettled?.(failed);
          if (!this.window.busy) this.store.dispatch({ type: 'fetching', value: false });
        });
        const progressed = before !== `${this.window.start}:${this.window.end}:${this.window.fetched}`;
        if (!failed && (this.recheck || progressed)) {
          this.recheck = false;
          this.update();
        }
      })
      .catch(() => undefined);
  }

  private readToEnd(): void {
    if (this.fetchAbort) return;
    const abort = new AbortController();
    this.fetchAbort = abort;
    let lastReport = 0;
    const work = this.window.fetchToEnd(abort.signal, () => {
      const now = performance.now();
      if (now - lastReport < PROGRESS_INTERVAL_MS) return;
      lastReport = now;
      this.store.dispatch({ type: 'viewer', action: { type: 'rows', rows: rowsKnown(this.window) } });
    });
    this.track(work, (failed) => {
      this.fetchAbort = null;
      if (failed || abort.signal.aborted)
        this.store.dispatch({ type: 'viewer', action: { type: 'seekDone' } });
    });
  }

  /** Stops reading the result to its end; false when nothing was being read. */
  cancelFetch(): boolean {
    if (!this.fetchAbort) return false;
    this.fetchAbort.abort();
    return true;
  }

  private measure(): void {
    const state = this.store.getState();
    if (!state.result || !this.isShown(state)) return;
    const w = this.window;
    const from = Math.max(this.measuredTo, w.start);
    if (from >= w.end) return;
    const rows: Cell[][] = [];
    for (let i = from; i < w.end; i++) {
      const row = w.row(i);
      if (row) rows.push(row);
    }
    this.measuredTo = w.end;
    const shape: GridShape = measureRows(state.result.info.shape, rows);
    if (shape.widths.some((width, c) => width !== state.result?.info.shape.widths[c])) {
      this.store.dispatch({ type: 'shape', shape });
    }
  }

  /** Closes the statement's cursor; resolves `closed` for whoever waits for the viewer to go. */
  async close(): Promise<void> {
    this.fetchAbort?.abort();
    try {
      await this.window.close();
    } finally {
      this.closedResolve();
    }
  }
}
