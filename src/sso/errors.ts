import { DbqError } from '../../shared/protocol/index.js';

/** Why a new sign-in is needed. */
export type SignInReason = 'not-signed-in' | 'expired' | 'refused';

/**
 * An `AUTH` error that a new sign-in fixes: no cached SSO token, a token (and its refresh token) past
 * expiry, or a token the portal refused. The REPL asks to sign in and re-runs the waiting statement; the
 * CLI exits 3 with a hint to run `dbq login`. Other `AUTH` errors (a role the query function refuses)
 * are not fixed by signing in and are plain DbqErrors.
 */
export class SignInRequiredError extends DbqError {
  readonly signInRequired = true;

  constructor(
    message: string,
    readonly reason: SignInReason,
    /** The profile to sign in with, for the hint. */
    readonly profile?: string,
  ) {
    super('AUTH', message, {
      retryable: false,
      hint: `sign in with: dbq login${profile === undefined ? '' : ` -p ${profile}`}`,
    });
    this.name = 'SignInRequiredError';
  }
}

/** True for an error that signing in again fixes (see SignInRequiredError). */
export function isSignInRequired(error: unknown): error is SignInRequiredError {
  return (
    error instanceof DbqError &&
    error.code === 'AUTH' &&
    (error as Partial<SignInRequiredError>).signInRequired === true
  );
}

/** The SDK's error name, for branching on service exceptions without importing every class. */
export function sdkErrorName(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
}
