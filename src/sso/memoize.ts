import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@aws-sdk/types';

/** Credentials this close to expiry are replaced before they are handed out (the SDKs use 5 minutes). */
export const REFRESH_BEFORE_MS = 5 * 60 * 1000;

/** A credentials provider that can be told to forget what it holds (after a new sign-in or a sign-out). */
export interface MemoizedCredentialsProvider extends AwsCredentialIdentityProvider {
  invalidate(): void;
  /**
   * Tells the AWS SDK clients not to wrap this provider in a cache of their own, so `invalidate()` (a new
   * sign-in, a sign-out) takes effect on the very next request.
   */
  readonly memoized: true;
}

/**
 * Wraps a loader as a standard AWS SDK credentials provider: the credentials are kept in memory until
 * 5 minutes before they expire, concurrent callers share one load, and a failed load is not kept, so the
 * next call (after a sign-in) tries again.
 */
export function memoizeCredentials(
  load: () => Promise<AwsCredentialIdentity>,
  now: () => number = Date.now,
): MemoizedCredentialsProvider {
  let current: AwsCredentialIdentity | undefined;
  let pending: Promise<AwsCredentialIdentity> | undefined;
  let generation = 0;

  const fresh = (c: AwsCredentialIdentity): boolean =>
    c.expiration === undefined || c.expiration.getTime() - now() > REFRESH_BEFORE_MS;

  const provider = ((options?: { forceRefresh?: boolean }) => {
    if (current && fresh(current) && options?.forceRefresh !== true) return Promise.resolve(current);
    if (pending) return pending;
    const mine = generation;
    pending = load().then(
      (credentials) => {
        if (mine === generation) {
          current = credentials;
          pending = undefined;
        }
        return credentials;
      },
      (error: unknown) => {
        if (mine === generation) pending = undefined;
        throw error;
      },
    );
    return pending;
  }) as MemoizedCredentialsProvider;
  Object.defineProperty(provider, 'memoized', { value: true });
  provider.invalidate = () => {
    generation += 1;
    current = undefined;
    pending = undefined;
  };
  return provider;
}
