import { DbqError } from '../../shared/protocol/errors.js';
import type { EngineName, Role } from '../../shared/protocol/messages.js';
import type { SqlDialect } from '../../shared/sql/split.js';
import type { QuerySession } from '../session/querySession.js';
import type { AuthSession } from '../sso/session.js';

/** The part of a profile's sign-in the REPL uses: `\login`, `\logout` and the identity in the status line. */
export type ReplAuth = Pick<
  AuthSession,
  'method' | 'canSignIn' | 'startUrl' | 'signedInIdentity' | 'loginInteractive' | 'logout'
>;

/** An open session on one profile (what `connect()` in the CLI returns). */
export interface ReplConnection {
  session: QuerySession;
  /** A short description: the profile or endpoint. */
  label: string;
  /** The saved profile, when one was opened: its defaults apply to the REPL too. */
  profile?: { defaults?: ProfileDefaults | undefined } | undefined;
  /** The profile's AWS sign-in, when it has one (the built-in `local` profile does not). */
  auth?: ReplAuth | undefined;
  close(): Promise<void>;
}

/** The saved-profile defaults the REPL uses. */
export interface ProfileDefaults {
  /** Where exports go when no path is given. */
  exportDir?: string | undefined;
  /** Statement timeout. */
  timeoutSec?: number | undefined;
}

/** What the query function said about the connection when it was opened. */
export interface ConnectionInfo {
  profile: string;
  label: string;
  engine: EngineName;
  dialect: SqlDialect;
  serverVersion: string;
  database: string;
  principal: string;
  role: Role;
  target: string;
  /** Who the profile is signed in as (`DBReader @ 111122223333`), when it signs in to AWS. */
  identity?: string | undefined;
}

export type ConnectionStatus =
  | { kind: 'connecting'; profile: string }
  | { kind: 'ready'; info: ConnectionInfo }
  | { kind: 'failed'; profile: string; error: DbqError };

export interface ProfileSummary {
  name: string;
  description: string;
}

/** Saved connection profiles, for `\l` (profiles arrive with their own store; this is the seam). */
export interface ProfileDirectory {
  list(): Promise<ProfileSummary[]>;
}

/** The built-in profiles: the embedded `local` demo, and the ad-hoc endpoint when one was given. */
export function builtInProfiles(adHoc?: ProfileSummary): ProfileDirectory {
  return {
    list: () =>
      Promise.resolve([
        { name: 'local', description: 'built in: embedded PostgreSQL (PGlite) with the demo data' },
        ...(adHoc ? [adHoc] : []),
      ]),
  };
}

export function toDbqError(error: unknown): DbqError {
  if (error instanceof DbqError) return error;
  return new DbqError('INTERNAL', error instanceof Error ? error.message : String(error));
}

export function cancelledError(message = 'cancelled'): DbqError {
  return new DbqError('CANCELLED', message);
}

/**
 * Resolves with the promise's value, or rejects with CANCELLED as soon as the signal aborts. The promise
 * itself runs on (a statement finishes on the server); `onAbandoned` gets its value if it arrives later.
 */
export function unlessAborted<T>(
  promise: Promise<T>,
  signal: AbortSignal | undefined,
  onAbandoned?: (value: T) => void,
): Promise<T> {
  if (!signal) return promise;
  const abandon = (): void => {
    if (onAbandoned) void promise.then(onAbandoned, () => undefined);
  };
  if (signal.aborted) {
    abandon();
    return Promise.reject(cancelledError());
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => {
      abandon();
      reject(cancelledError());
    };
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(toDbqError(error));
      },
    );
  });
}
