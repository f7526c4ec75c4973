import { DbqError } from '../../shared/protocol/errors.js';
import type { ExportableResult, ReplCore } from '../repl/replCore.js';
import type { ReplAction, ReplState } from './replReducer.js';
import type { Store } from './replStore.js';
import { errorLines, exportedLine } from './transcriptText.js';

/**
 * One export at a time, in the background: progress goes to the state (the progress bar), the outcome to
 * the transcript and the notice line. The UI stays usable meanwhile; Esc cancels.
 */
export class ExportRunner {
  private abort: AbortController | null = null;
  private done: Promise<void> = Promise.resolve();

  constructor(
    private readonly core: ReplCore,
    private readonly store: Store<ReplState, ReplAction>,
  ) {}

  private notice(text: string, tone: 'info' | 'error' = 'info'): void {
    this.store.dispatch({ type: 'notice', notice: { text, tone } });
  }

  /** `total`: the result's row count when known, for a percentage. */
  start(result: ExportableResult | null, path: string | null, total: number | null): void {
    if (this.store.getState().exporting) {
      this.notice('An export is already running (Esc cancels it).', 'error');
      return;
    }
    if (!result) {
      this.notice('There is no result to export yet: run a query first.', 'error');
      return;
    }
    const abort = new AbortController();
    this.abort = abort;
    this.store.dispatch({ type: 'exportStarted', total });
    this.done = this.core
      .exportResult({
        result,
        path,
        signal: abort.signal,
        onProgress: (progress) => this.store.dispatch({ type: 'exportProgress', ...progress }),
      })
      .then(
        (summary) => {
          const text = exportedLine(summary.rows, summary.bytes, summary.path);
          this.store.batch(() => {
            this.store.dispatch({ type: 'exportFinished' });
            this.store.dispatch({ type: 'print', lines: [text] });
            this.notice(text);
          });
        },
        (error: unknown) => {
          this.store.batch(() => {
            this.store.dispatch({ type: 'exportFinished' });
            if (error instanceof DbqError && error.code === 'CANCELLED') {
              this.notice('Export cancelled; the partial file was removed.');
            } else {
              this.store.dispatch({ type: 'print', lines: errorLines(error) });
              this.notice(`Export failed: ${(error as Error).message}`, 'error');
            }
          });
        },
      )
      .finally(() => {
        if (this.abort === abort) this.abort = null;
      });
  }

  cancel(): void {
    if (!this.abort) return;
    this.abort.abort();
    this.store.dispatch({ type: 'exportCancelling' });
  }

  /** Cancels a running export and waits until its partial file is gone. */
  async stop(): Promise<void> {
    this.abort?.abort();
    await this.done;
  }
}
