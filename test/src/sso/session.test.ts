import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ResolvedAuth } from '../../../src/profiles/resolveAuth.js';
import { QuerySession } from '../../../src/session/querySession.js';
import { tokenCachePath } from '../../../src/sso/cache.js';
import { isSignInRequired, SignInRequiredError } from '../../../src/sso/errors.js';
import { createAuthSession, type AuthSession } from '../../../src/sso/session.js';
import { LambdaTransport } from '../../../src/transport/lambdaTransport.js';
import { startLocalStack, type LocalStack } from '../../helpers/localStack.js';
import { setEnv, startSsoStandIn, type SsoStandIn } from '../../helpers/ssoStandIn.js';

const START_URL = 'https://acme.awsapps.com/start';
const SSO_AUTH: Extract<ResolvedAuth, { method: 'sso' }> = {
  method: 'sso',
  sso: {
    sessionName: 'acme',
    startUrl: START_URL,
    region: 'eu-west-1',
    registrationScopes: ['sso:account:access'],
  },
  accountId: '111122223333',
  roleName: 'DBReader',
};
const LEGACY_AUTH: Extract<ResolvedAuth, { method: 'sso' }> = {
  method: 'sso',
  sso: { startUrl: START_URL, region: 'eu-west-1' },
  accountId: '111122223333',
  roleName: 'DBReader',
};

const noWait = (): Promise<void> => Promise.resolve();
const sha1 = (text: string): string => createHash('sha1').update(text).digest('hex');

describe('an SSO profile session against the SSO stand-ins', () => {
  let standIn: SsoStandIn;
  let home: string;
  let restoreEnv: () => void;

  beforeAll(async () => {
    standIn = await startSsoStandIn();
  });
  afterAll(async () => {
    await standIn.close();
  });
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'dbq-sso-'));
    restoreEnv = setEnv({ ...standIn.env, HOME: home });
    standIn.configure({ approveOnPoll: 1, tokenExpiresIn: 8 * 3600, credentialsExpireInMs: 3600_000 });
  });
  afterEach(() => {
    restoreEnv();
    rmSync(home, { recursive: true, force: true });
  });

  const signIn = async (session: AuthSession): Promise<void> => {
    await session.loginInteractive(() => undefined);
  };
  const cachedToken = (path = tokenCachePath(SSO_AUTH.sso)): Record<string, string> =>
    JSON.parse(readFileSync(path, 'utf8')) as Record<string, string>;

  it('asks for a sign-in, naming the profile, before there is a token', async () => {
    const session = createAuthSession('prod', SSO_AUTH);
    const error: unknown = await session.getCredentials().catch((e: unknown) => e);
    expect(isSignInRequired(error)).toBe(true);
    expect(error).toMatchObject({
      code: 'AUTH',
      reason: 'not-signed-in',
      fields: { hint: 'sign in with: dbq login -p prod' },
    });
    expect(await session.signedInIdentity()).toBeNull();
  });

  it('signs in, then hands out the role credentials the portal issued, kept in memory', async () => {
    const session = createAuthSession('prod', SSO_AUTH, { sleep: noWait });
    const identity = await session.loginInteractive(() => undefined);
    expect(identity).toMatchObject({
      method: 'sso',
      label: 'DBReader @ 111122223333',
      ssoSession: 'acme',
      refreshable: true,
    });
    const credentials = await session.getCredentials();
    const issued = standIn.issuedCredentials.at(-1);
    expect(credentials).toMatchObject({
      accessKeyId: issued?.accessKeyId,
      secretAccessKey: issued?.secretAccessKey,
      sessionToken: issued?.sessionToken,
    });
    expect(issued).toMatchObject({ accountId: '111122223333', roleName: 'DBReader' });
    const calls = standIn.callsTo('GetRoleCredentials').length;
    await session.credentials();
    expect(standIn.callsTo('GetRoleCredentials')).toHaveLength(calls);
    // Role credentials never reach the disk.
    expect(readFileSync(tokenCachePath(SSO_AUTH.sso), 'utf8')).not.toContain(issued?.secretAccessKey ?? '-');
  });

  it('renews role credentials that are within five minutes of expiry', async () => {
    standIn.configure({ credentialsExpireInMs: 4 * 60_000 });
    const session = createAuthSession('prod', SSO_AUTH, { sleep: noWait });
    await signIn(session);
    const first = await session.getCredentials();
    const second = await session.getCredentials();
    expect(second.accessKeyId).not.toBe(first.accessKeyId);
  });

  it('refreshes an expired access token with the refresh token and writes the new one to the cache', async () => {
    const session = createAuthSession('prod', SSO_AUTH, { sleep: noWait });
    await signIn(session);
    const before = cachedToken();
    writeFileSync(
      tokenCachePath(SSO_AUTH.sso),
      JSON.stringify({ ...before, expiresAt: '2020-01-01T00:00:00Z' }),
    );
    session.credentials.invalidate();
    const credentials = await session.getCredentials();
    expect(credentials.accessKeyId).toBe(standIn.issuedCredentials.at(-1)?.accessKeyId);
    expect(standIn.callsTo('CreateToken').at(-1)?.body).toMatchObject({
      grantType: 'refresh_token',
      refreshToken: before.refreshToken,
    });
    const after = cachedToken();
    expect(after.accessToken).not.toBe(before.accessToken);
    expect(after.refreshToken).not.toBe(before.refreshToken);
    expect(new Date(after.expiresAt ?? '').getTime()).toBeGreaterThan(Date.now());
    expect(standIn.issuedCredentials.at(-1)?.accessToken).toBe(after.accessToken);
  });

  it('asks for a new sign-in when the token has expired and the refresh is refused', async () => {
    const session = createAuthSession('prod', SSO_AUTH, { sleep: noWait });
    await signIn(session);
    const token = cachedToken();
    standIn.validRefreshTokens.delete(token.refreshToken ?? '');
    writeFileSync(
      tokenCachePath(SSO_AUTH.sso),
      JSON.stringify({ ...token, expiresAt: '2020-01-01T00:00:00Z' }),
    );
    session.credentials.invalidate();
    await expect(session.getCredentials()).rejects.toMatchObject({
      code: 'AUTH',
      reason: 'expired',
      profile: 'prod',
    });
    expect(await session.signedInIdentity()).toMatchObject({ refreshable: true });
  });

  it('asks for a new sign-in when the portal refuses a revoked token', async () => {
    const session = createAuthSession('prod', SSO_AUTH, { sleep: noWait });
    await signIn(session);
    standIn.validAccessTokens.delete(cachedToken().accessToken ?? '');
    await expect(session.getCredentials()).rejects.toBeInstanceOf(SignInRequiredError);
    await expect(session.getCredentials()).rejects.toMatchObject({ reason: 'refused' });
  });

  it('uses a token that `aws sso login` cached for a legacy start-URL profile, without signing in', async () => {
    standIn.validAccessTokens.add('token-from-the-aws-cli');
    const dir = join(home, '.aws', 'sso', 'cache');
    mkdirSync(dir, { recursive: true });
    // The AWS CLI keys a legacy profile's token by sha1(start URL) and writes these four fields.
    writeFileSync(
      join(dir, `${sha1(START_URL)}.json`),
      JSON.stringify({
        startUrl: START_URL,
        region: 'eu-west-1',
        accessToken: 'token-from-the-aws-cli',
        expiresAt: new Date(Date.now() + 3600_000).toISOString().replace(/\.\d+Z$/, 'UTC'),
      }),
    );
    const oidcCalls = standIn.calls.filter((c) => c.op !== 'GetRoleCredentials').length;
    const session = createAuthSession('legacy', LEGACY_AUTH);
    const credentials = await session.getCredentials();
    expect(credentials.accessKeyId).toBe(standIn.issuedCredentials.at(-1)?.accessKeyId);
    expect(standIn.issuedCredentials.at(-1)?.accessToken).toBe('token-from-the-aws-cli');
    expect(standIn.calls.filter((c) => c.op !== 'GetRoleCredentials')).toHaveLength(oidcCalls);
    expect(await session.signedInIdentity()).toMatchObject({
      refreshable: false,
      label: 'DBReader @ 111122223333',
    });
  });

  it('signs out: portal Logout, the cached token removed, and sign-in required again', async () => {
    const session = createAuthSession('prod', SSO_AUTH, { sleep: noWait });
    await signIn(session);
    const token = cachedToken();
    expect(await session.logout()).toBe(true);
    expect(standIn.callsTo('Logout').at(-1)?.headers['x-amz-sso_bearer_token']).toBe(token.accessToken);
    expect(existsSync(tokenCachePath(SSO_AUTH.sso))).toBe(false);
    await expect(session.getCredentials()).rejects.toMatchObject({ reason: 'not-signed-in' });
    expect(await session.logout()).toBe(false);
  });

  describe('through the Lambda transport', () => {
    let stack: LocalStack;
    beforeAll(async () => {
      stack = await startLocalStack({ engine: 'pglite' });
    });
    afterAll(async () => {
      await stack.stop();
    });

    it('surfaces sign-in-required from the credentials provider, runs the statement after signing in, and stops after signing out', async () => {
      const auth = createAuthSession('prod', SSO_AUTH, { sleep: noWait });
      const transport = new LambdaTransport({
        region: 'eu-west-1',
        functionName: 'dbq-test',
        endpoint: stack.server.url,
        credentials: auth.credentials,
      });
      const session = new QuerySession(transport);
      try {
        const error: unknown = await session.execute('SELECT 1 AS one').catch((e: unknown) => e);
        expect(isSignInRequired(error)).toBe(true);
        await auth.loginInteractive(() => undefined);
        const result = await session.execute('SELECT 1 AS one');
        expect(result.lastPage.rows).toEqual([[1]]);
        // Signing out takes effect on the next statement: the SDK client keeps no credentials of its own.
        await auth.logout();
        expect(isSignInRequired(await session.execute('SELECT 1 AS one').catch((e: unknown) => e))).toBe(
          true,
        );
      } finally {
        transport.close();
      }
    });
  });
});
