import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** How the stand-in answers; change it between steps with `configure`. */
export interface SsoStandInBehaviour {
  /** The polling interval StartDeviceAuthorization announces, in seconds. */
  interval: number;
  /** How long the device code lives, in seconds. */
  deviceExpiresIn: number;
  /** The CreateToken poll (1-based) that succeeds; earlier polls answer `authorization_pending`. */
  approveOnPoll: number;
  /** Polls (1-based) answered with `slow_down`. */
  slowDownOnPolls: number[];
  /** What the user does in the browser: approve, deny (`access_denied`), or let the code expire. */
  outcome: 'approve' | 'deny' | 'expire';
  /** Access token lifetime, in seconds. */
  tokenExpiresIn: number;
  /** Role credentials lifetime, in milliseconds. */
  credentialsExpireInMs: number;
  /** RegisterClient's clientSecretExpiresAt, seconds from now. */
  registrationExpiresIn: number;
}

export interface IssuedCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  accountId: string;
  roleName: string;
  accessToken: string;
}

export interface RecordedCall {
  op: string;
  body: Record<string, unknown>;
  headers: IncomingMessage['headers'];
  query: URLSearchParams;
}

export interface SsoStandIn {
  /** One HTTP endpoint that answers both the SSO-OIDC and the SSO portal APIs. */
  readonly url: string;
  /** `AWS_ENDPOINT_URL_SSO_OIDC` and `AWS_ENDPOINT_URL_SSO` pointing here. */
  readonly env: Record<string, string>;
  readonly calls: RecordedCall[];
  readonly issuedCredentials: IssuedCredentials[];
  /** Access tokens the portal accepts. */
  readonly validAccessTokens: Set<string>;
  readonly validRefreshTokens: Set<string>;
  configure(change: Partial<SsoStandInBehaviour>): void;
  callsTo(op: string): RecordedCall[];
  close(): Promise<void>;
}

const DEFAULTS: SsoStandInBehaviour = {
  interval: 1,
  deviceExpiresIn: 600,
  approveOnPoll: 2,
  slowDownOnPolls: [],
  outcome: 'approve',
  tokenExpiresIn: 8 * 3600,
  credentialsExpireInMs: 3600_000,
  registrationExpiresIn: 90 * 86400,
};

const id = (prefix: string): string => `${prefix}${randomBytes(8).toString('hex')}`;

function send(response: ServerResponse, status: number, body: unknown, errorType?: string): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json',
    'x-amzn-requestid': id('req-'),
    ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
  });
  response.end(text);
}

function oidcError(response: ServerResponse, type: string, error: string, status = 400): void {
  send(response, status, { error, error_description: `${type} (stand-in)` }, type);
}

/**
 * Local stand-ins for IAM Identity Center's SSO-OIDC API (RegisterClient, StartDeviceAuthorization,
 * CreateToken with the device-code and refresh-token grants) and its portal API (GetRoleCredentials,
 * Logout), speaking restJson as the real AWS SDK clients expect. The "user" approves after a few polls.
 */
export async function startSsoStandIn(change: Partial<SsoStandInBehaviour> = {}): Promise<SsoStandIn> {
  let behaviour: SsoStandInBehaviour = { ...DEFAULTS, ...change };
  const calls: RecordedCall[] = [];
  const issuedCredentials: IssuedCredentials[] = [];
  const validAccessTokens = new Set<string>();
  const validRefreshTokens = new Set<string>();
  const clients = new Map<string, { secret: string; scopes: string[] }>();
  const devices = new Map<string, { polls: number; expiresAt: number; clientId: string }>();

  const issueToken = (clientId: string): Record<string, unknown> => {
    const accessToken = id('at-');
    validAccessTokens.add(accessToken);
    const scopes = clients.get(clientId)?.scopes ?? [];
    const result: Record<string, unknown> = {
      accessToken,
      tokenType: 'Bearer',
      expiresIn: behaviour.tokenExpiresIn,
    };
    if (scopes.includes('sso:account:access')) {
      const refreshToken = id('rt-');
      validRefreshTokens.add(refreshToken);
      result.refreshToken = refreshToken;
    }
    return result;
  };

  const handle = (
    op: string,
    body: Record<string, unknown>,
    request: IncomingMessage,
    query: URLSearchParams,
    response: ServerResponse,
  ): void => {
    calls.push({ op, body, headers: request.headers, query });
    switch (op) {
      case 'RegisterClient': {
        const clientId = id('client-');
        const scopes = Array.isArray(body.scopes) ? body.scopes.map(String) : [];
        clients.set(clientId, { secret: id('secret-'), scopes });
        send(response, 200, {
          clientId,
          clientSecret: clients.get(clientId)?.secret,
          clientIdIssuedAt: Math.floor(Date.now() / 1000),
          clientSecretExpiresAt: Math.floor(Date.now() / 1000) + behaviour.registrationExpiresIn,
        });
        return;
      }
      case 'StartDeviceAuthorization': {
        const client = clients.get(String(body.clientId));
        if (!client || client.secret !== body.clientSecret)
          return oidcError(response, 'InvalidClientException', 'invalid_client', 401);
        const deviceCode = id('device-');
        const userCode = `${randomBytes(2).toString('hex')}-${randomBytes(2).toString('hex')}`.toUpperCase();
        devices.set(deviceCode, {
          polls: 0,
          expiresAt: Date.now() + behaviour.deviceExpiresIn * 1000,
          clientId: String(body.clientId),
        });
        send(response, 200, {
          deviceCode,
          userCode,
          verificationUri: 'https://device.sso.stand-in.example/',
          verificationUriComplete: `https://device.sso.stand-in.example/?user_code=${userCode}`,
          expiresIn: behaviour.deviceExpiresIn,
          interval: behaviour.interval,
        });
        return;
      }
      case 'CreateToken': {
        const client = clients.get(String(body.clientId));
        if (!client || client.secret !== body.clientSecret)
          return oidcError(response, 'InvalidClientException', 'invalid_client', 401);
        if (body.grantType === 'refresh_token') {
          const refreshToken = String(body.refreshToken);
          if (!validRefreshTokens.has(refreshToken))
            return oidcError(response, 'InvalidGrantException', 'invalid_grant');
          validRefreshTokens.delete(refreshToken);
          send(response, 200, issueToken(String(body.clientId)));
          return;
        }
        const device = devices.get(String(body.deviceCode));
        if (!device) return oidcError(response, 'InvalidGrantException', 'invalid_grant');
        device.polls += 1;
        if (behaviour.outcome === 'expire' || Date.now() > device.expiresAt) {
          return oidcError(response, 'ExpiredTokenException', 'expired_token');
        }
        if (behaviour.slowDownOnPolls.includes(device.polls))
          return oidcError(response, 'SlowDownException', 'slow_down');
        if (device.polls < behaviour.approveOnPoll) {
          return oidcError(response, 'AuthorizationPendingException', 'authorization_pending');
        }
        if (behaviour.outcome === 'deny')
          return oidcError(response, 'AccessDeniedException', 'access_denied');
        devices.delete(String(body.deviceCode));
        send(response, 200, issueToken(device.clientId));
        return;
      }
      case 'GetRoleCredentials': {
        const accessToken = String(request.headers['x-amz-sso_bearer_token'] ?? '');
        if (!validAccessTokens.has(accessToken)) {
          send(response, 401, { message: 'Session token not found or invalid' }, 'UnauthorizedException');
          return;
        }
        const credentials: IssuedCredentials = {
          accessKeyId: `ASIA${randomBytes(8).toString('hex').toUpperCase()}`,
          secretAccessKey: randomBytes(20).toString('base64'),
          sessionToken: id('session-'),
          accountId: query.get('account_id') ?? '',
          roleName: query.get('role_name') ?? '',
          accessToken,
        };
        issuedCredentials.push(credentials);
        send(response, 200, {
          roleCredentials: {
            accessKeyId: credentials.accessKeyId,
            secretAccessKey: credentials.secretAccessKey,
            sessionToken: credentials.sessionToken,
            expiration: Date.now() + behaviour.credentialsExpireInMs,
          },
        });
        return;
      }
      case 'Logout': {
        validAccessTokens.delete(String(request.headers['x-amz-sso_bearer_token'] ?? ''));
        send(response, 200, undefined);
        return;
      }
      default:
        send(response, 404, { message: `no such operation: ${op}` }, 'UnknownOperationException');
    }
  };

  const routes: Record<string, string> = {
    'POST /client/register': 'RegisterClient',
    'POST /device_authorization': 'StartDeviceAuthorization',
    'POST /token': 'CreateToken',
    'GET /federation/credentials': 'GetRoleCredentials',
    'POST /logout': 'Logout',
  };

  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const url = new URL(request.url ?? '/', 'http://stand-in');
      const op = routes[`${request.method} ${url.pathname}`] ?? `${request.method} ${url.pathname}`;
      const text = Buffer.concat(chunks).toString('utf8');
      let body: Record<string, unknown> = {};
      try {
        body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
      } catch {
        body = {};
      }
      handle(op, body, request, url.searchParams, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    env: { AWS_ENDPOINT_URL_SSO_OIDC: url, AWS_ENDPOINT_URL_SSO: url },
    calls,
    issuedCredentials,
    validAccessTokens,
    validRefreshTokens,
    configure(next) {
      behaviour = { ...behaviour, ...next };
    },
    callsTo: (op) => calls.filter((call) => call.op === op),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/**
 * Sets environment variables for a test and returns a function that restores them. `process.env` is
 * changed key by key: replacing the object would detach it from the real environment (`os.homedir()`
 * reads HOME from there).
 */
export function setEnv(values: Record<string, string | undefined>): () => void {
  const saved = new Map<string, string | undefined>();
  for (const [key, value] of Object.entries(values)) {
    saved.set(key, process.env[key]);
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  return () => {
    for (const [key, value] of saved) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  };
}
