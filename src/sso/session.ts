import type { AwsCredentialIdentity } from '@aws-sdk/types';
import { DbqError } from '../../shared/protocol/index.js';
import type { ResolvedAuth } from '../profiles/resolveAuth.js';
import { deleteCachedToken, parseCacheTime, readCachedToken, type CachedSsoToken } from './cache.js';
import { SignInRequiredError, isSignInRequired } from './errors.js';
import { memoizeCredentials, REFRESH_BEFORE_MS, type MemoizedCredentialsProvider } from './memoize.js';
import { canRefresh, deviceLogin, refreshToken, type DeviceLoginOptions, type DevicePrompt } from './oidc.js';
import { getRoleCredentials, portalLogout } from './portal.js';

/** Who the profile is signed in as, for a status line. */
export interface SignedInIdentity {
  method: ResolvedAuth['method'];
  /** Short text: `DBReader @ 123456789012`, `aws profile dev`, `local endpoint`. */
  label: string;
  accountId?: string;
  roleName?: string;
  startUrl?: string;
  ssoSession?: string;
  /** When the SSO access token expires. */
  tokenExpiresAt?: Date;
  /** True when an expired token can be renewed without a new sign-in (a refresh token is cached). */
  refreshable?: boolean;
}

/**
 * A profile's AWS sign-in, shared by everything that needs its credentials: the Lambda transport, the
 * identity prover, the REPL's status line and its `\login` / `\logout`.
 *
 * `credentials` is a standard AWS SDK credentials provider (memoized, renewed 5 minutes before expiry).
 * When signing in is needed it rejects with a `SignInRequiredError` (code `AUTH`, `signInRequired: true`,
 * see `isSignInRequired`); the REPL then calls `loginInteractive` and retries the statement, which picks up
 * the new credentials through the same provider.
 */
export interface AuthSession {
  /** The dbq profile this session belongs to. */
  readonly profile: string;
  readonly method: ResolvedAuth['method'];
  /** Whether `loginInteractive` applies: SSO profiles (dbq's own or SSO profiles in ~/.aws/config). */
  readonly canSignIn: boolean;
  /** The IAM Identity Center start URL signed in to, for SSO profiles. */
  readonly startUrl: string | undefined;
  readonly credentials: MemoizedCredentialsProvider;
  getCredentials(): Promise<AwsCredentialIdentity>;
  /** The signed-in identity, or null when there is no usable SSO token (or no AWS sign-in at all). */
  signedInIdentity(): Promise<SignedInIdentity | null>;
  /**
   * Device-authorization sign-in: `onPrompt` receives the URL and code to show; resolves once the user has
   * approved it in a browser. Rejects with `CANCELLED` when `signal` aborts, `AUTH` when denied or expired.
   */
  loginInteractive(onPrompt: (prompt: DevicePrompt) => void, signal?: AbortSignal): Promise<SignedInIdentity>;
  /** Signs out of the portal and removes the cached token; false when there was none. */
  logout(): Promise<boolean>;
}

export interface AuthSessionOptions {
  now?: () => Date;
  /** Poll timer for the device flow (tests observe the intervals through it). */
  sleep?: DeviceLoginOptions['sleep'];
}

const LOCAL_CREDENTIALS: AwsCredentialIdentity = { accessKeyId: 'dbq-local', secretAccessKey: 'dbq-local' };

function withProfile(error: unknown, profile: string): unknown {
  if (isSignInRequired(error) && error.profile === undefined) {
    return new SignInRequiredError(error.message, error.reason, profile);
  }
  return error;
}

function ssoSession(
  profile: string,
  auth: Extract<ResolvedAuth, { method: 'sso' }>,
  options: AuthSessionOptions,
): AuthSession {
  const now = options.now ?? (() => new Date());
  const { sso, accountId, roleName } = auth;
  const label = `${roleName} @ ${accountId}`;

  async function usableToken(): Promise<CachedSsoToken> {
    let token = readCachedToken(sso);
    if (!token) throw new SignInRequiredError(`not signed in to ${sso.startUrl}`, 'not-signed-in', profile);
    const expires = parseCacheTime(token.expiresAt);
    const at = now();
    if (!expires || expires.getTime() - at.getTime() < REFRESH_BEFORE_MS) {
      const stillValid = expires !== undefined && expires > at;
      if (canRefresh(token, at)) {
        try {
          token = await refreshToken(sso, token, at);
        } catch (error) {
          // A token with minutes left is still worth using when the refresh fails.
          if (!stillValid) throw withProfile(error, profile);
        }
      } else if (!stillValid) {
        throw new SignInRequiredError(`the SSO session for ${sso.startUrl} has expired`, 'expired', profile);
      }
    }
    return token;
  }

  const credentials = memoizeCredentials(async () => {
    try {
      const token = await usableToken();
      return await getRoleCredentials({ region: sso.region, accountId, roleName }, token.accessToken);
    } catch (error) {
      throw withProfile(error, profile);
    }
  });

  const identity = (token: CachedSsoToken): SignedInIdentity => ({
    method: 'sso',
    label,
    accountId,
    roleName,
    startUrl: sso.startUrl,
    ...(sso.sessionName === undefined ? {} : { ssoSession: sso.sessionName }),
    ...(parseCacheTime(token.expiresAt) ? { tokenExpiresAt: parseCacheTime(token.expiresAt) } : {}),
    refreshable: canRefresh(token, now()),
  });

  return {
    profile,
    method: 'sso',
    canSignIn: true,
    startUrl: sso.startUrl,
    credentials,
    getCredentials: () => credentials(),
    signedInIdentity() {
      const token = readCachedToken(sso);
      if (!token) return Promise.resolve(null);
      const expires = parseCacheTime(token.expiresAt);
      if ((!expires || expires <= now()) && !canRefresh(token, now())) return Promise.resolve(null);
      return Promise.resolve(identity(token));
    },
    async loginInteractive(onPrompt, signal) {
      const token = await deviceLogin(sso, {
        onPrompt,
        signal,
        ...(options.sleep ? { sleep: options.sleep } : {}),
        now,
      });
      credentials.invalidate();
      return identity(token);
    },
    async logout() {
      credentials.invalidate();
      const token = readCachedToken(sso);
      if (token) await portalLogout(sso.region, token.accessToken);
      return deleteCachedToken(sso);
    },
  };
}

function notSso(
  profile: string,
  method: 'aws-profile' | 'local',
  credentials: MemoizedCredentialsProvider,
  label: string,
): AuthSession {
  return {
    profile,
    method,
    canSignIn: false,
    startUrl: undefined,
    credentials,
    getCredentials: () => credentials(),
    signedInIdentity: () => Promise.resolve({ method, label }),
    loginInteractive: () =>
      Promise.reject(
        new DbqError(
          'AUTH',
          method === 'local'
            ? `profile "${profile}" uses a local endpoint: there is nothing to sign in to`
            : `profile "${profile}" uses ${label}, which is not an SSO profile: sign in with the AWS CLI`,
        ),
      ),
    logout: () => Promise.resolve(false),
  };
}

/** The sign-in for a resolved profile. */
export function createAuthSession(
  profile: string,
  auth: ResolvedAuth,
  options: AuthSessionOptions = {},
): AuthSession {
  switch (auth.method) {
    case 'sso':
      return ssoSession(profile, auth, options);
    case 'local':
      return notSso(
        profile,
        'local',
        memoizeCredentials(() => Promise.resolve(LOCAL_CREDENTIALS)),
        'local endpoint',
      );
    case 'aws-profile': {
      const credentials = memoizeCredentials(async () => {
        // Loaded on demand: the SDK's provider chain is large and only this kind of profile needs it.
        const { fromIni } = await import('@aws-sdk/credential-providers');
        try {
          return await fromIni({ profile: auth.awsProfile })();
        } catch (error) {
          throw new DbqError(
            'AUTH',
            `no AWS credentials from aws profile "${auth.awsProfile}": ${error instanceof Error ? error.message : String(error)}`,
          );
        }
      });
      return notSso(profile, 'aws-profile', credentials, `aws profile ${auth.awsProfile}`);
    }
  }
}
