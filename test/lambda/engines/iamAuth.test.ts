import { createHash, createHmac } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseFunctionConfig, type TargetConfig } from '../../../lambda/config.js';
import { mysqlIamAuthPlugins, passwordSource } from '../../../lambda/engines/iamAuth.js';
import { DbqError } from '../../../shared/protocol/index.js';

const ACCESS_KEY = 'AKIDDBQTEST0000000002';
const SECRET_KEY = 'dbq/iam/test/secret/not/a/real/key/000';
const HOST = 'orders.cluster-abc123.eu-west-1.rds.amazonaws.com';

function target(overrides: Partial<TargetConfig> = {}): TargetConfig {
  return {
    engine: 'postgres',
    host: HOST,
    port: 5432,
    database: 'orders',
    users: { read: { user: 'dbq_read' } },
    auth: 'iam',
    tls: { mode: 'verify-full' },
    region: 'eu-west-1',
    ...overrides,
  };
}

async function tokenFor(config: TargetConfig, user = 'dbq_read'): Promise<string> {
  const token = await passwordSource(config, { user }, 5432)();
  if (token === undefined) throw new Error('no token');
  return token;
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
const hmac = (key: Buffer | string, text: string): Buffer => createHmac('sha256', key).update(text).digest();
const encode = (text: string): string =>
  encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/**
 * Recomputes a presigned `rds-db:connect` request's SigV4 signature from scratch (node:crypto only, not the
 * SDK that made it), as RDS does before it lets the connection in.
 */
function expectedSignature(token: string, secretKey: string): string {
  const url = new URL(`https://${token}`);
  const params = [...url.searchParams.entries()].filter(([key]) => key !== 'X-Amz-Signature');
  const canonicalQuery = params
    .map(([key, value]) => [encode(key), encode(value)])
    .sort(([a = ''], [b = '']) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => `${key}=${value}`)
    .join('&');
  const canonicalRequest = ['GET', '/', canonicalQuery, `host:${url.host}`, '', 'host', sha256('')].join(
    '\n',
  );
  const amzDate = url.searchParams.get('X-Amz-Date') ?? '';
  const [, date = '', region = '', service = ''] = (url.searchParams.get('X-Amz-Credential') ?? '').split(
    '/',
  );
  const scope = `${date}/${region}/${service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonicalRequest)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${secretKey}`, date), region), service), 'aws4_request');
  return createHmac('sha256', key).update(stringToSign).digest('hex');
}

describe('RDS IAM authentication tokens', () => {
  beforeAll(() => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', ACCESS_KEY);
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', SECRET_KEY);
    vi.stubEnv('AWS_SESSION_TOKEN', '');
    vi.stubEnv('AWS_PROFILE', '');
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  afterAll(() => {
    vi.unstubAllEnvs();
  });

  it('is a presigned rds-db:connect URL for the host, port and user, valid 15 minutes', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: new Date('2024-05-01T12:00:00Z') });
    const token = await tokenFor(target());
    expect(token.startsWith(`${HOST}:5432/?Action=connect&DBUser=dbq_read&`)).toBe(true);
    const url = new URL(`https://${token}`);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      Action: 'connect',
      DBUser: 'dbq_read',
      'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
      'X-Amz-Credential': `${ACCESS_KEY}/20240501/eu-west-1/rds-db/aws4_request`,
      'X-Amz-Date': '20240501T120000Z',
      'X-Amz-Expires': '900',
      'X-Amz-SignedHeaders': 'host',
      'X-Amz-Signature': expectedSignature(token, SECRET_KEY),
    });
    expect(url.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
  });

  it('carries the session token of temporary credentials (a Lambda role)', async () => {
    vi.stubEnv('AWS_SESSION_TOKEN', 'dbq-test-session-token');
    try {
      const token = await tokenFor(target());
      const url = new URL(`https://${token}`);
      expect(url.searchParams.get('X-Amz-Security-Token')).toBe('dbq-test-session-token');
      expect(url.searchParams.get('X-Amz-Signature')).toBe(expectedSignature(token, SECRET_KEY));
    } finally {
      vi.stubEnv('AWS_SESSION_TOKEN', '');
    }
  });

  it('signs anew on every call: another time gives another token', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: new Date('2024-05-01T12:00:00Z') });
    const source = passwordSource(target(), { user: 'dbq_read' }, 5432);
    const first = await source();
    vi.setSystemTime(new Date('2024-05-01T12:15:01Z'));
    const second = await source();
    expect(second).not.toBe(first);
    expect(new URL(`https://${second ?? ''}`).searchParams.get('X-Amz-Date')).toBe('20240501T121501Z');
  });

  it('binds the token to the user and the port', async () => {
    const a = new URL(`https://${await tokenFor(target(), 'dbq_write')}`);
    expect(a.searchParams.get('DBUser')).toBe('dbq_write');
    const b = new URL(`https://${await tokenFor(target({ engine: 'mysql', port: 3306 }))}`);
    expect(b.host).toBe(`${HOST}:3306`);
  });

  it("uses the function's AWS_REGION when the target names none, and says so when neither is there", async () => {
    vi.stubEnv('AWS_REGION', 'ap-northeast-1');
    const token = await tokenFor(target({ region: undefined }));
    expect(token).toContain('%2Fap-northeast-1%2Frds-db%2F');
    vi.stubEnv('AWS_REGION', '');
    vi.stubEnv('AWS_DEFAULT_REGION', '');
    const error = await tokenFor(target({ region: undefined })).catch((failure: unknown) => failure);
    expect(error).toBeInstanceOf(DbqError);
    expect((error as DbqError).code).toBe('CONNECTION');
    expect((error as DbqError).message).toMatch(/needs the database's AWS region/);
  });

  it('returns the configured password unchanged for password targets', async () => {
    const source = passwordSource(target({ auth: 'password' }), { user: 'u', password: 'p' }, 5432);
    expect(await source()).toBe('p');
  });

  it("answers MySQL's cleartext plugin request with the token and a terminating NUL", () => {
    const plugin = mysqlIamAuthPlugins('host:3306/?Action=connect');
    expect(plugin.mysql_clear_password()().toString('utf8')).toBe('host:3306/?Action=connect\0');
  });
});

describe('configuration of IAM targets', () => {
  const config = (tls: TargetConfig['tls']): unknown => ({
    targets: { orders: { engine: 'postgres', host: HOST, database: 'orders', auth: 'iam', tls } },
    identity: { mode: 'local', principal: 'local:user/test', role: 'read' },
  });

  it('refuses IAM authentication without TLS', () => {
    expect(() => parseFunctionConfig(config({ mode: 'disable' }))).toThrow(
      'targets.orders.tls.mode: auth "iam" needs TLS ("verify-full"), not "disable"',
    );
  });

  it('accepts IAM authentication with verify-full', () => {
    expect(parseFunctionConfig(config({ mode: 'verify-full' })).targets.orders?.auth).toBe('iam');
  });
});
