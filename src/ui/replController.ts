import { DbqError } from '../../shared/protocol/errors.js';
import { planInput, promptMarker, type InputStep } from '../repl/inputRules.js';
import { parseMetaCommand } from '../repl/metaCommands.js';
import { openBrowser } from '../sso/browser.js';
import { isSignInRequired } from '../sso/errors.js';
import type { ExportableResult, ReplCore, StatementOutcome } from '../repl/replCore.js';
import { sanitizeLine } from '../format/sanitize.js';
import { dim, red } from './display.js';
import type { EditorAction } from './editorReducer.js';
import { ExportRunner } from './exportRunner.js';
import { gridShape, measureRows } from './gridLayout.js';
import { helpLines } from './keyBindings.js';
import { routeKey, type KeyTarget } from './keyRouter.js';
import type { KeyEvent } from './keys.js';
import { recordLines } from './recordLayout.js';
import { initialReplState, replReducer, type ReplAction, type ReplState } from './replReducer.js';
import { createStore, type Store } from './replStore.js';
import {
  ADD_PROFILE_HINT,
  commandTag,
  completeResultLines,
  connectedLine,
  echoLines,
  errorLines,
  noticeLines,
  previewLines,
  resultSummary,
  signInPromptLines,
  timingLine,
} from './transcriptText.js';
import { rowsPerScreen } from './viewerReducer.js';
import { ViewerSession, rowsKnown } from './viewerSession.js';

export interface TerminalSize {
  columns: number;
  rows: number;
}

export interface ReplControllerOptions {
  /** Opens the SSO verification URL (default: the system browser); tests pass their own. */
  openBrowser?: (url: string) => void;
}

/** Lines of the live area that are not rows: the grid's header and rule, the status and info lines. */
const VIEWER_CHROME = 4;

/** Rows the viewer can show on a terminal `rows` high (Ink needs the frame below the terminal height). */
export function viewerHeight(rows: number): number {
  return Math.max(1, rows - 1 - VIEWER_CHROME);
}

/**
 * The REPL's behaviour, free of React: it turns keys into state changes, runs what is submitted through
 * the core (statements, meta-commands, exports) and decides where results go: into the transcript when
 * they are complete and fit the screen, otherwise into the scrollable viewer. Nothing it calls may crash
 * the app: every failure becomes a transcript line or a notice.
 */
export class ReplController {
  readonly store: Store<ReplState, ReplAction>;
  private size: TerminalSize;
  private viewer: ViewerSession | null = null;
  private runAbort: AbortController | null = null;
  private readonly exports: ExportRunner;
  private unsubscribe: () => void = () => undefined;
  private quitResolve: () => void = () => undefined;
  /** Resolves when the user quits (`\q`, Ctrl-D). */
  readonly quitRequested: Promise<void>;

  constructor(
    readonly core: ReplCore,
    size: TerminalSize,
    private readonly options: ReplControllerOptions = {},
  ) {
    this.size = size;
    this.store = createStore(replReducer, initialReplState(core.status, core.settings));
    this.exports = new ExportRunner(core, this.store);
    this.quitRequested = new Promise((resolve) => (this.quitResolve = resolve));
  }

  private get state(): ReplState {
    return this.store.getState();
  }

  private dispatch(action: ReplAction): void {
    this.store.dispatch(action);
  }

  private print(lines: string[]): void {
    this.dispatch({ type: 'print', lines });
  }

  private notice(text: string, tone: 'info' | 'error' = 'info'): void {
    this.dispatch({ type: 'notice', notice: { text, tone } });
  }

  /** Subscribes to the connection, loads history and prints the greeting. */
  start(): void {
    const profile = this.core.profile;
    this.print([
      dim('dbq: type SQL ending with ; to run it, \\? for help, \\q to quit.'),
      ...(profile === 'local' ? [dim(ADD_PROFILE_HINT)] : []),
    ]);
    this.unsubscribe = this.core.onStatus((status) => {
      this.store.batch(() => {
        // A ready connection whose identity changed (`\login`, `\logout`) is not a new connection.
        const wasReady = this.state.connection.kind === 'ready';
        this.dispatch({ type: 'connection', status });
        if (status.kind === 'ready' && !wasReady) this.print([connectedLine(status.info)]);
        if (status.kind === 'failed') {
          this.print([
            ...errorLines(status.error),
            dim('The next statement tries again; \\c NAME connects to another profile.'),
          ]);
        }
      });
    });
    void this.reloadHistory();
  }

  private async reloadHistory(): Promise<void> {
    const entries = await this.core.loadHistory().catch(() => []);
    this.dispatch({ type: 'editor', action: { type: 'history', entries } });
  }

  setSize(size: TerminalSize): void {
    if (size.columns === this.size.columns && size.rows === this.size.rows) return;
    this.size = size;
    this.dispatch({ type: 'viewer', action: { type: 'resize', height: viewerHeight(size.rows) } });
    this.viewer?.update();
  }

  get terminalSize(): TerminalSize {
    return this.size;
  }

  /** A row of the open result, for rendering. */
  row(index: number): ReturnType<ViewerSession['row']> {
    return this.viewer?.row(index);
  }

  /** Lines of the record view for the cursor row (empty while the row is being fetched). */
  recordLines(width: number): string[] {
    const result = this.state.result;
    if (!result) return [];
    const row = this.row(result.viewer.cursor);
    return row ? recordLines(result.info.columns, row, width) : [];
  }

  // ---- keys ----

  handleKey(event: KeyEvent): void {
    try {
      this.store.batch(() => routeKey(this.keyTarget, event));
    } catch (error) {
      this.print(errorLines(error));
    }
  }

  private readonly keyTarget: KeyTarget = {
    state: () => this.state,
    dispatch: (action) => this.dispatch(action),
    print: (lines) => this.print(lines),
    notice: (text) => this.notice(text),
    submit: () => this.submit(),
    quit: () => this.quit(),
    cancelRun: () => this.runAbort?.abort(),
    cancelExport: () => this.exports.cancel(),
    cancelFetch: () => void this.viewer?.cancelFetch(),
    viewerChanged: () => this.viewer?.update(),
    closeViewer: () => void this.closeViewer(),
    exportFromViewer: () => this.startExport(null, 'viewer'),
    recordLineCount: () => this.recordLines(this.size.columns).length,
    recordPage: () => Math.max(1, viewerHeight(this.size.rows) + 1),
  };

  private editor(action: EditorAction): void {
    this.dispatch({ type: 'editor', action });
  }

  // ---- running input ----

  private dialect(): 'postgres' | 'mysql' {
    const status = this.state.connection;
    return status.kind === 'ready' ? status.info.dialect : 'postgres';
  }

  private profileLabel(): string {
    return this.core.profile;
  }

  /** Enter at the prompt: runs what is complete (psql's rules) or starts a new line. */
  submit(): void {
    const { text } = this.state.editor.buffer;
    const dialect = this.dialect();
    const plan = planInput(text, dialect);
    if (plan.steps.length === 0) {
      if (text.trim() === '') {
        this.editor({ type: 'setText', text: '' });
        return;
      }
      this.editor({ type: 'insert', text: '\n' });
      return;
    }
    const executed = plan.remainder === '' ? text : text.slice(0, text.length - plan.remainder.length);
    const lines = executed.trimEnd().split('\n');
    const markers = lines.map((_, i) =>
      i === 0 ? '=' : promptMarker(lines.slice(0, i).join('\n'), dialect),
    );
    this.print(echoLines(this.profileLabel(), lines.join('\n'), markers));
    const entries = this.core.remember(executed.trim());
    this.editor({ type: 'history', entries });
    this.editor({ type: 'setText', text: plan.remainder });
    void this.runSteps(plan.steps);
  }

  private async runSteps(steps: InputStep[]): Promise<void> {
    try {
      for (const step of steps) {
        if (step.kind === 'meta') {
          if (!(await this.runMeta(step.line))) return;
          continue;
        }
        for (const sql of step.statements) if (!(await this.runStatement(sql, true))) return;
      }
    } catch (error) {
      this.store.batch(() => {
        this.dispatch({ type: 'running', label: null });
        this.print(errorLines(error));
      });
    }
  }

  private beginRun(label: string): AbortController {
    const abort = new AbortController();
    this.runAbort = abort;
    const waiting = this.state.connection.kind !== 'ready';
    this.dispatch({
      type: 'running',
      label: waiting ? `waiting for the connection to ${this.core.profile}` : label,
      startedAt: performance.now(),
    });
    if (waiting) {
      const stop = this.core.onStatus((status) => {
        if (status.kind === 'connecting') return;
        stop();
        if (this.runAbort === abort && this.state.running) {
          this.dispatch({ type: 'running', label, startedAt: performance.now() });
        }
      });
      abort.signal.addEventListener('abort', stop, { once: true });
    }
    return abort;
  }

  private endRun(abort: AbortController): void {
    if (this.runAbort === abort) this.runAbort = null;
    this.dispatch({ type: 'running', label: null });
  }

  /**
   * Runs one statement and shows its outcome; false when it failed (the rest of the input is skipped). When
   * the profile needs a new sign-in, the statement waits for it and then runs: nothing typed is lost.
   */
  private async runStatement(sql: string, allowViewer: boolean, signedIn = false): Promise<boolean> {
    const abort = this.beginRun('running');
    let outcome: StatementOutcome;
    try {
      outcome = await this.core.run(sql, abort.signal);
    } catch (error) {
      if (!signedIn && isSignInRequired(error) && this.core.canSignIn) {
        this.store.batch(() => {
          this.endRun(abort);
          this.print([
            red(`Sign-in required: ${sanitizeLine(error.message)}.`),
            dim('The statement runs once you have signed in; Esc or Ctrl-C cancels.'),
          ]);
        });
        if (!(await this.signIn())) {
          this.print([dim('The statement did not run; it is in the history (Up arrow).')]);
          return false;
        }
        return this.runStatement(sql, allowViewer, true);
      }
      this.store.batch(() => {
        this.endRun(abort);
        this.print(
          error instanceof DbqError && error.code === 'CANCELLED'
            ? [red('Cancelled: stopped waiting. The server finishes the statement; its result is discarded.')]
            : errorLines(error, sql),
        );
      });
      return false;
    }
    this.endRun(abort);
    await this.showOutcome(outcome, allowViewer);
    return true;
  }

  private async showOutcome(outcome: StatementOutcome, allowViewer: boolean): Promise<void> {
    const timing = this.core.settings.timing ? [timingLine(outcome.elapsedMs)] : [];
    if (outcome.kind === 'done') {
      this.print([
        ...noticeLines(outcome.notices),
        commandTag(outcome.command, outcome.affectedRows),
        ...timing,
      ]);
      return;
    }
    const window = outcome.window;
    const expanded = this.core.settings.expanded;
    if (window.complete || !allowViewer) {
      const rows = window.heldRowsList();
      const complete = window.complete
        ? completeResultLines(window.columns, rows, this.size, expanded, !allowViewer)
        : null;
      const lines =
        complete ?? (allowViewer ? null : previewLines(window.columns, rows, this.size, expanded));
      if (lines) {
        await window.close();
        this.print([...noticeLines(outcome.notices), ...lines, ...timing]);
        return;
      }
    }
    if (outcome.notices.length > 0) this.print(noticeLines(outcome.notices));
    const id = this.state.nextId;
    const session = new ViewerSession(id, window, this.store);
    this.viewer = session;
    const shape = measureRows(gridShape(window.columns), window.heldRowsList());
    this.dispatch({
      type: 'openResult',
      info: {
        id,
        sql: outcome.sql,
        columns: window.columns,
        shape,
        elapsedMs: outcome.elapsedMs,
        readOnly: window.lastPage.readOnly,
      },
      rows: rowsKnown(window),
      height: viewerHeight(this.size.rows),
    });
    session.update();
    await session.closed;
    this.print([
      resultSummary({ total: window.total, fetched: window.fetched, elapsedMs: outcome.elapsedMs }),
      ...timing,
    ]);
  }

  private async closeViewer(): Promise<void> {
    const session = this.viewer;
    this.viewer = null;
    this.dispatch({ type: 'closeResult' });
    if (session) await session.close().catch(() => undefined);
  }

  private async runMeta(line: string): Promise<boolean> {
    const command = parseMetaCommand(line);
    // `\login` manages its own running line (it waits on the browser, not on a statement).
    const quiet = ['quit', 'help', 'invalid', 'expanded', 'timing', 'format', 'conninfo', 'export', 'login'];
    const abort = quiet.includes(command.kind) ? null : this.beginRun(`running ${line.split(/\s/)[0]}`);
    let outcome;
    try {
      outcome = await this.core.executeMeta(command, abort?.signal);
    } catch (error) {
      this.store.batch(() => {
        if (abort) this.endRun(abort);
        this.print(errorLines(error));
      });
      return false;
    }
    this.store.batch(() => {
      if (abort) this.endRun(abort);
      this.dispatch({ type: 'settings', settings: this.core.settings });
    });
    switch (outcome.kind) {
      case 'quit':
        this.quit();
        return false;
      case 'help':
        this.print(helpLines());
        return true;
      case 'message':
        this.print(outcome.tone === 'error' ? outcome.lines.map((l) => red(l)) : outcome.lines);
        return outcome.tone !== 'error';
      case 'results':
        for (const item of outcome.items) {
          if (item.outcome.kind === 'rows' && item.outcome.window.total === 0 && outcome.items.length > 1) {
            await item.outcome.window.close();
            continue;
          }
          this.print([dim(item.title)]);
          await this.showOutcome(item.outcome, true);
        }
        if (outcome.emptyMessage) this.print([outcome.emptyMessage]);
        return true;
      case 'include':
        for (const sql of outcome.statements) {
          this.print(echoLines(this.profileLabel(), sql, ['=']).map((l) => dim(l)));
          if (!(await this.runStatement(sql, false))) return false;
        }
        return true;
      case 'export':
        this.startExport(outcome.path, 'prompt');
        return true;
      case 'signIn':
        return this.signIn();
    }
  }

  /**
   * The SSO device sign-in: shows the URL and code, opens the browser, and waits for the approval with a
   * running line that Esc or Ctrl-C cancels. True when signed in.
   */
  private async signIn(): Promise<boolean> {
    const abort = new AbortController();
    this.runAbort = abort;
    this.dispatch({
      type: 'running',
      label: 'waiting for the sign-in in the browser',
      startedAt: performance.now(),
    });
    const open = this.options.openBrowser ?? openBrowser;
    try {
      const outcome = await this.core.signIn((prompt, startUrl) => {
        this.print(signInPromptLines(prompt, startUrl));
        open(prompt.verificationUriComplete ?? prompt.verificationUri);
      }, abort.signal);
      this.store.batch(() => {
        this.endRun(abort);
        if (outcome.kind === 'message')
          this.print(outcome.tone === 'error' ? outcome.lines.map((l) => red(l)) : outcome.lines);
      });
      return outcome.kind === 'message' && outcome.tone === 'info' && this.core.canSignIn;
    } catch (error) {
      this.store.batch(() => {
        this.endRun(abort);
        this.print(
          error instanceof DbqError && error.code === 'CANCELLED'
            ? [red('Sign-in cancelled.')]
            : errorLines(error),
        );
      });
      return false;
    }
  }

  // ---- export ----

  private exportable(source: 'viewer' | 'prompt'): ExportableResult | null {
    const result = this.state.result;
    if (source === 'viewer' && result && this.viewer) {
      return {
        sql: result.info.sql,
        columns: result.info.columns,
        readOnly: result.info.readOnly,
        rows: result.info.readOnly ? null : this.viewer.window.heldRowsList(),
      };
    }
    return this.core.lastExportable;
  }

  /** Exports the result in full in the background, with progress; Esc cancels. */
  startExport(path: string | null, source: 'viewer' | 'prompt'): void {
    const total = source === 'viewer' && this.viewer ? this.viewer.window.total : null;
    this.exports.start(this.exportable(source), path, total);
  }

  quit(): void {
    this.quitResolve();
  }

  /** The last resort for a failure nothing else caught: a transcript line, never a crash. */
  reportError(error: unknown): void {
    try {
      this.print(errorLines(error));
    } catch {
      // Nothing more can be done without a screen to print on.
    }
  }

  /** Stops everything in flight and releases the open result. */
  async shutdown(): Promise<void> {
    this.unsubscribe();
    this.runAbort?.abort();
    await this.exports.stop();
    await this.closeViewer();
  }

  /** Rows on one screen of the viewer now (for tests and the benchmark). */
  get screenRows(): number {
    const result = this.state.result;
    return result ? rowsPerScreen(result.viewer) : 0;
  }
}
