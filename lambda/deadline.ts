import { DbqError } from '../shared/protocol/index.js';
import type { EngineConnection } from './engines/types.js';

/**
 * A statement still running this long before the function's deadline is cancelled: enough for the cancel
 * to reach the server, the transaction to roll back and the outcome to be audited and answered.
 */
export const CANCEL_BEFORE_DEADLINE_MS = 1_000;
/** If the statement has not stopped by this long before the deadline, the request stops waiting for it. */
export const ABANDON_BEFORE_DEADLINE_MS = 300;
/**
 * The database's own statement timeout ends this long before the deadline: after the guard's cancel, so it
 * only acts when the cancel could not be delivered (a MySQL user at its connection limit, say).
 */
export const DATABASE_TIMEOUT_MARGIN_MS = 500;
/** Less time than this between now and the cancel point is not worth starting a statement for. */
const MIN_STATEMENT_MS = 100;

/**
 * The statement timeout the database may enforce for a request with `remainingMs` left before the
 * function's deadline. Rejects with TIMEOUT when too little time is left to run anything.
 */
export function databaseTimeoutBudget(remainingMs: number): number {
  if (remainingMs - CANCEL_BEFORE_DEADLINE_MS < MIN_STATEMENT_MS) {
    throw new DbqError('TIMEOUT', 'the function has no time left to run the statement');
  }
  return remainingMs - DATABASE_TIMEOUT_MARGIN_MS;
}

/** Node fires a timer longer than this at once; a deadline that far away (or none) needs no timer. */
const MAX_TIMER_MS = 2 ** 31 - 1;

function after(delayMs: number, run: () => void): NodeJS.Timeout | undefined {
  if (!(delayMs <= MAX_TIMER_MS)) return undefined;
  // A guard must never be what keeps a process (a local `dbq -c` run) alive.
  return setTimeout(run, Math.max(0, delayMs)).unref();
}

/** Guards one request's work on a database session against the function's deadline. */
export interface DeadlineGuard {
  /**
   * Waits for `work`. Shortly before the deadline the session's statement is cancelled (the work then
   * fails with the database's error); should it still not settle, this rejects with TIMEOUT anyway and
   * `abandoned` becomes true: the session is still busy and may only be closed, never used.
   */
  watch<T>(work: Promise<T>): Promise<T>;
  /** The statement was cancelled: whatever it produced is rolled back and the session is discarded. */
  readonly fired: boolean;
  /** The request stopped waiting for the session. */
  readonly abandoned: boolean;
  /** Ends the guard; throws TIMEOUT when it had to cancel, so nothing cancelled is committed. */
  finish(): void;
  /** Ends the guard and, when it cancelled the statement, says so instead of the database's error. */
  explain(error: DbqError): DbqError;
}

/**
 * Arms the deadline guard for `connection`. `deadline` is the function's deadline on the
 * `performance.now()` clock (the Lambda context's remaining time added to when the request began).
 *
 * The database's statement timeout bounds statements by configuration; this guard covers what it cannot:
 * the deadline itself, time spent outside the statement (connecting, reading the first page), and
 * statements the database does not time out (MySQL's `max_execution_time` applies to SELECT only).
 */
export function guardDeadline(connection: Pick<EngineConnection, 'cancel'>, deadline: number): DeadlineGuard {
  const now = (): number => performance.now();
  const armedAt = now();
  let fired = false;
  let abandoned = false;
  let done = false;
  const giveUps = new Set<() => void>();

  const cancelTimer = after(deadline - CANCEL_BEFORE_DEADLINE_MS - armedAt, () => {
    if (done) return;
    fired = true;
    void connection.cancel();
  });
  const abandonTimer = after(deadline - ABANDON_BEFORE_DEADLINE_MS - armedAt, () => {
    if (done) return;
    abandoned = true;
    fired = true;
    for (const giveUp of giveUps) giveUp();
  });

  const stop = (): void => {
    done = true;
    clearTimeout(cancelTimer);
    clearTimeout(abandonTimer);
  };

  const timeoutError = (fields: DbqError['fields'] = {}): DbqError =>
    new DbqError(
      'TIMEOUT',
      abandoned
        ? `the statement did not stop when cancelled ${CANCEL_BEFORE_DEADLINE_MS} ms before the function's deadline; the session was dropped and nothing was committed`
        : `the statement was cancelled ${CANCEL_BEFORE_DEADLINE_MS} ms before the function's deadline (after ${Math.round(now() - armedAt)} ms) and rolled back; ask for a shorter statement or raise the function's timeout`,
      fields,
    );

  return {
    get fired() {
      return fired;
    },
    get abandoned() {
      return abandoned;
    },
    watch<T>(work: Promise<T>): Promise<T> {
      if (abandoned) {
        work.catch(() => undefined);
        return Promise.reject(timeoutError());
      }
      let giveUp = (): void => undefined;
      const givenUp = new Promise<never>((_, reject) => {
        giveUp = () => reject(timeoutError());
      });
      giveUps.add(giveUp);
      // The race keeps handling `work`, so its late failure after giving up is not unhandled.
      return Promise.race([work, givenUp]).finally(() => giveUps.delete(giveUp));
    },
    finish(): void {
      stop();
      if (fired) throw timeoutError();
    },
    explain(error: DbqError): DbqError {
      stop();
      return fired ? timeoutError(error.fields) : error;
    },
  };
}
