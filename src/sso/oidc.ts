import {
  CreateTokenCommand,
  RegisterClientCommand,
  SSOOIDCClient,
  StartDeviceAuthorizationCommand,
} from '@aws-sdk/client-sso-oidc';
import { DbqError } from '../../shared/protocol/index.js';
import {
  formatCacheTime,
  parseCacheTime,
  readCachedRegistration,
  writeCachedRegistration,
  writeCachedToken,
  type CachedRegistration,
  type CachedSsoToken,
  type SsoSessionConfig,
} from './cache.js';
import { SignInRequiredError, sdkErrorName } from './errors.js';

/** What the user needs to approve the sign-in in a browser. */
export interface DevicePrompt {
  verificationUri: string;
  /** The URI with the code filled in, when the service gives one. */
  verificationUriComplete?: string | undefined;
  userCode: string;
  /** When the code stops working. */
  expiresAt: Date;
}

export interface DeviceLoginOptions {
  /** Called once the code is known: show it (and open the browser). */
  onPrompt: (prompt: DevicePrompt) => void;
  signal?: AbortSignal | undefined;
  /** Waits between polls; the real timer unless a test needs to observe the intervals. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  now?: () => Date;
}

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
/** RFC 8628: 5 s when the server gives no interval, 5 s more on every `slow_down`. */
const DEFAULT_INTERVAL_S = 5;
const SLOW_DOWN_S = 5;
/** A registration this close to expiry is replaced before use. */
const REGISTRATION_MARGIN_MS = 15 * 60 * 1000;
const CLIENT_NAME = 'dbq';

function abortError(): DbqError {
  return new DbqError('CANCELLED', 'sign-in cancelled');
}

export function sleepFor(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortError());
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortError());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** The SSO-OIDC client for the Identity Center region; `AWS_ENDPOINT_URL_SSO_OIDC` redirects it. */
function oidcClient(region: string): SSOOIDCClient {
  return new SSOOIDCClient({ region, maxAttempts: 2 });
}

function fromOidcError(error: unknown, doing: string): DbqError {
  if (error instanceof DbqError) return error;
  const name = sdkErrorName(error) ?? 'Error';
  const message = error instanceof Error ? error.message : String(error);
  return new DbqError('AUTH', `${doing} failed: ${name}: ${message}`);
}

async function registration(
  client: SSOOIDCClient,
  config: SsoSessionConfig,
  now: Date,
  signal?: AbortSignal,
): Promise<CachedRegistration> {
  const cached = readCachedRegistration(config);
  const expires = parseCacheTime(cached?.expiresAt);
  if (cached && expires && expires.getTime() - now.getTime() > REGISTRATION_MARGIN_MS) return cached;
  try {
    const scopes = config.registrationScopes;
    const out = await client.send(
      new RegisterClientCommand({
        clientName: `${CLIENT_NAME}-${config.sessionName ?? 'legacy'}`,
        clientType: 'public',
        ...(scopes && scopes.length > 0 ? { scopes } : {}),
      }),
      { abortSignal: signal },
    );
    if (!out.clientId || !out.clientSecret || out.clientSecretExpiresAt === undefined) {
      throw new DbqError('AUTH', 'RegisterClient answered without a client id, secret or expiry');
    }
    const fresh: CachedRegistration = {
      clientId: out.clientId,
      clientSecret: out.clientSecret,
      expiresAt: formatCacheTime(new Date(out.clientSecretExpiresAt * 1000)),
      ...(scopes && scopes.length > 0 ? { scopes } : {}),
    };
    writeCachedRegistration(config, fresh);
    return fresh;
  } catch (error) {
    if (signal?.aborted) throw abortError();
    throw fromOidcError(error, 'registering dbq with IAM Identity Center');
  }
}

function tokenFrom(
  config: SsoSessionConfig,
  reg: CachedRegistration,
  out: {
    accessToken?: string | undefined;
    expiresIn?: number | undefined;
    refreshToken?: string | undefined;
  },
  now: Date,
  previousRefreshToken?: string,
): CachedSsoToken {
  if (!out.accessToken || out.expiresIn === undefined) {
    throw new DbqError('AUTH', 'CreateToken answered without an access token or expiry');
  }
  const refreshToken = out.refreshToken ?? previousRefreshToken;
  return {
    startUrl: config.startUrl,
    region: config.region,
    accessToken: out.accessToken,
    expiresAt: formatCacheTime(new Date(now.getTime() + out.expiresIn * 1000)),
    clientId: reg.clientId,
    clientSecret: reg.clientSecret,
    registrationExpiresAt: reg.expiresAt,
    ...(refreshToken ? { refreshToken } : {}),
  };
}

/**
 * IAM Identity Center device authorization (RFC 8628), as `aws sso login` does it: a cached client
 * registration, StartDeviceAuthorization, the code shown to the user, then CreateToken polled at the
 * server's interval (`authorization_pending` waits, `slow_down` adds 5 s, `expired_token` and
 * `access_denied` end it). The token is written to the AWS CLI's cache and returned.
 */
export async function deviceLogin(
  config: SsoSessionConfig,
  options: DeviceLoginOptions,
): Promise<CachedSsoToken> {
  const now = options.now ?? (() => new Date());
  const sleep = options.sleep ?? sleepFor;
  const { signal } = options;
  const client = oidcClient(config.region);
  try {
    const reg = await registration(client, config, now(), signal);
    let start;
    try {
      start = await client.send(
        new StartDeviceAuthorizationCommand({
          clientId: reg.clientId,
          clientSecret: reg.clientSecret,
          startUrl: config.startUrl,
        }),
        { abortSignal: signal },
      );
    } catch (error) {
      if (signal?.aborted) throw abortError();
      throw fromOidcError(error, 'starting the device authorization');
    }
    if (!start.deviceCode || !start.userCode || !start.verificationUri) {
      throw new DbqError('AUTH', 'StartDeviceAuthorization answered without a device code, user code or URI');
    }
    const deadline = new Date(now().getTime() + (start.expiresIn ?? 600) * 1000);
    options.onPrompt({
      verificationUri: start.verificationUri,
      verificationUriComplete: start.verificationUriComplete,
      userCode: start.userCode,
      expiresAt: deadline,
    });
    let interval = start.interval ?? DEFAULT_INTERVAL_S;
    for (;;) {
      await sleep(interval * 1000, signal);
      if (now() >= deadline) {
        throw new SignInRequiredError(
          'the sign-in code expired before it was approved; sign in again',
          'expired',
        );
      }
      try {
        const out = await client.send(
          new CreateTokenCommand({
            clientId: reg.clientId,
            clientSecret: reg.clientSecret,
            grantType: DEVICE_GRANT,
            deviceCode: start.deviceCode,
          }),
          { abortSignal: signal },
        );
        const token = tokenFrom(config, reg, out, now());
        writeCachedToken(config, token);
        return token;
      } catch (error) {
        if (signal?.aborted) throw abortError();
        switch (sdkErrorName(error)) {
          case 'AuthorizationPendingException':
            continue;
          case 'SlowDownException':
            interval += SLOW_DOWN_S;
            continue;
          case 'ExpiredTokenException':
            throw new SignInRequiredError(
              'the sign-in code expired before it was approved; sign in again',
              'expired',
            );
          case 'AccessDeniedException':
            throw new DbqError('AUTH', 'the sign-in was denied in the browser');
          default:
            throw fromOidcError(error, 'getting the SSO token');
        }
      }
    }
  } finally {
    client.destroy();
  }
}

/** True when the token carries what a refresh needs and its client registration is still valid. */
export function canRefresh(token: CachedSsoToken, now: Date): boolean {
  const registrationExpires = parseCacheTime(token.registrationExpiresAt);
  return (
    token.refreshToken !== undefined &&
    token.clientId !== undefined &&
    token.clientSecret !== undefined &&
    registrationExpires !== undefined &&
    registrationExpires > now
  );
}

/**
 * Exchanges the refresh token for a new access token (CreateToken, grant `refresh_token`), as the AWS
 * SDKs do, and writes it to the cache. A refused refresh means signing in again.
 */
export async function refreshToken(
  config: SsoSessionConfig,
  token: CachedSsoToken,
  now: Date = new Date(),
): Promise<CachedSsoToken> {
  if (!canRefresh(token, now)) {
    throw new SignInRequiredError('the SSO session has expired and cannot be refreshed', 'expired');
  }
  const reg: CachedRegistration = {
    clientId: token.clientId ?? '',
    clientSecret: token.clientSecret ?? '',
    expiresAt: token.registrationExpiresAt ?? '',
  };
  const client = oidcClient(config.region);
  try {
    const out = await client.send(
      new CreateTokenCommand({
        clientId: reg.clientId,
        clientSecret: reg.clientSecret,
        grantType: 'refresh_token',
        refreshToken: token.refreshToken,
      }),
    );
    const fresh = tokenFrom(config, reg, out, now, token.refreshToken);
    writeCachedToken(config, fresh);
    return fresh;
  } catch (error) {
    switch (sdkErrorName(error)) {
      case 'InvalidGrantException':
      case 'ExpiredTokenException':
      case 'AccessDeniedException':
      case 'InvalidClientException':
      case 'UnauthorizedClientException':
        throw new SignInRequiredError('the SSO session has expired (the refresh was refused)', 'expired');
      default:
        throw fromOidcError(error, 'refreshing the SSO token');
    }
  } finally {
    client.destroy();
  }
}
