import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../helpers/localStack.js';
import { runDbq } from '../helpers/runDbq.js';
import { startSsoStandIn, type IssuedCredentials, type SsoStandIn } from '../helpers/ssoStandIn.js';

interface RecordedInvoke {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** Forwards to the local Invoke endpoint and keeps each request, so its SigV4 signature can be checked. */
async function startRecordingProxy(
  upstream: string,
): Promise<{ url: string; requests: RecordedInvoke[]; server: Server }> {
  const requests: RecordedInvoke[] = [];
  const target = new URL(upstream);
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body });
      const forward = httpRequest(
        {
          hostname: target.hostname,
          port: target.port,
          method: req.method,
          path: req.url,
          headers: req.headers,
        },
        (upstreamRes) => {
          res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
          upstreamRes.pipe(res);
        },
      );
      forward.on('error', () => res.writeHead(502).end());
      forward.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests, server };
}

/** Re-signs the recorded request with the given credentials and compares the signatures. */
async function signedWith(
  invoke: RecordedInvoke,
  credentials: IssuedCredentials,
  region: string,
): Promise<boolean> {
  const authorization = String(invoke.headers.authorization ?? '');
  const signedHeaders = /SignedHeaders=([^,]+)/.exec(authorization)?.[1]?.split(';') ?? [];
  const amzDate = String(invoke.headers['x-amz-date'] ?? '');
  const signingDate = new Date(
    amzDate.replace(/^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/, '$1-$2-$3T$4:$5:$6Z'),
  );
  const headers: Record<string, string> = {};
  for (const name of signedHeaders) headers[name] = String(invoke.headers[name] ?? '');
  const [path, query] = invoke.path.split('?');
  const request = new HttpRequest({
    method: invoke.method,
    protocol: 'http:',
    hostname: String(invoke.headers.host ?? '').split(':')[0] ?? '',
    path: path ?? '/',
    query: Object.fromEntries(new URLSearchParams(query ?? '')),
    headers,
    body: invoke.body,
  });
  const signer = new SignatureV4({
    credentials: {
      accessKeyId: credentials.accessKeyId,
      secretAccessKey: credentials.secretAccessKey,
      sessionToken: credentials.sessionToken,
    },
    region,
    service: 'lambda',
    sha256: Sha256,
  });
  const resigned = await signer.sign(request, { signingDate });
  return resigned.headers.authorization === authorization;
}

describe('dbq login and a statement through an SSO profile, end to end', () => {
  let standIn: SsoStandIn;
  let stack: LocalStack;
  let proxy: Awaited<ReturnType<typeof startRecordingProxy>>;
  let home: string;
  let env: NodeJS.ProcessEnv;
  const PROFILE = ['--region', 'us-east-1', '--function', 'dbq-test'];
  const SSO = [
    '--sso-session',
    'acme',
    '--sso-start-url',
    'https://acme.awsapps.com/start',
    '--sso-region',
    'us-east-1',
  ];
  const ROLE = ['--account-id', '111122223333', '--role-name', 'DBReader'];

  beforeAll(async () => {
    standIn = await startSsoStandIn({ interval: 1, approveOnPoll: 2 });
    stack = await startLocalStack({ engine: 'pglite', role: 'read' });
    proxy = await startRecordingProxy(stack.server.url);
    home = mkdtempSync(join(tmpdir(), 'dbq-login-'));
    env = {
      HOME: home,
      DBQ_CONFIG_DIR: join(home, 'dbq'),
      ...standIn.env,
      AWS_ENDPOINT_URL_LAMBDA: proxy.url,
      AWS_PROFILE: undefined,
      AWS_ACCESS_KEY_ID: undefined,
      AWS_SECRET_ACCESS_KEY: undefined,
      AWS_SESSION_TOKEN: undefined,
      AWS_ENDPOINT_URL: undefined,
      AWS_CONFIG_FILE: undefined,
    };
    const add = await runDbq(['profiles', 'add', 'e2e', ...PROFILE, ...SSO, ...ROLE], { env });
    expect(add.stderr).toContain('saved profile e2e');
    expect(add.code).toBe(0);
  });

  afterAll(async () => {
    await new Promise((resolve) => proxy?.server.close(resolve));
    await stack?.stop();
    await standIn?.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('refuses to run before signing in, with exit status 3 and the command that fixes it', async () => {
    const run = await runDbq(['-p', 'e2e', '-c', 'SELECT 1'], { env });
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('not signed in to https://acme.awsapps.com/start');
    expect(run.stderr).toContain('HINT:  sign in with: dbq login -p e2e');
    expect(proxy.requests).toHaveLength(0);
  });

  it('signs in with the device code, then runs a statement signed with the role credentials the portal issued', async () => {
    const login = await runDbq(['login', '--no-browser', '-p', 'e2e'], { env });
    expect(login.code).toBe(0);
    expect(standIn.callsTo('StartDeviceAuthorization')).toHaveLength(1);
    expect(login.stderr).toContain('open  https://device.sso.stand-in.example/');
    expect(login.stderr).toMatch(/code {2}[0-9A-F]{4}-[0-9A-F]{4}/);
    expect(login.stderr).toContain('Signed in for profile e2e: DBReader @ 111122223333');
    expect(standIn.callsTo('CreateToken').length).toBeGreaterThanOrEqual(2);
    // The AWS CLI's name for the acme session's token: sha1 of the session name.
    const tokenFile = join(
      home,
      '.aws',
      'sso',
      'cache',
      `${createHash('sha1').update('acme').digest('hex')}.json`,
    );
    expect(existsSync(tokenFile)).toBe(true);
    expect(statSync(tokenFile).mode & 0o777).toBe(0o600);

    const run = await runDbq(['-p', 'e2e', '--format', 'csv', '-c', 'SELECT 41 + 1 AS answer'], { env });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('answer\n42\n');

    const invoke = proxy.requests.at(-1);
    expect(invoke?.path).toBe('/2015-03-31/functions/dbq-test/invocations');
    const issued = standIn.issuedCredentials.at(-1);
    if (!invoke || !issued) throw new Error('no signed invocation or no issued credentials');
    expect(issued).toMatchObject({ accountId: '111122223333', roleName: 'DBReader' });
    expect(String(invoke.headers.authorization)).toContain(`Credential=${issued.accessKeyId}/`);
    expect(String(invoke.headers.authorization)).toContain('/us-east-1/lambda/aws4_request');
    expect(invoke.headers['x-amz-security-token']).toBe(issued.sessionToken);
    expect(await signedWith(invoke, issued, 'us-east-1')).toBe(true);
    // The identity proof in the payload is signed with the same role credentials.
    const payload = JSON.parse(invoke.body.toString('utf8')) as { identity?: { query?: string } };
    expect(decodeURIComponent(payload.identity?.query ?? '')).toContain(
      `X-Amz-Credential=${issued.accessKeyId}/`,
    );
    expect(
      await signedWith(invoke, { ...issued, secretAccessKey: 'not-the-issued-secret' }, 'us-east-1'),
    ).toBe(false);
  });

  it('tests the profile: a ping through the Lambda shows principal, role, engine and server version', async () => {
    const run = await runDbq(['profiles', 'test', 'e2e'], { env });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^profile: +e2e$/m);
    expect(run.stdout).toMatch(/^principal: +local:user\//m);
    expect(run.stdout).toMatch(/^role: +read$/m);
    expect(run.stdout).toMatch(/^engine: +pglite$/m);
    expect(run.stdout).toMatch(/^server version: +PostgreSQL /m);
  });

  it('signs out: the portal session ends, the token is removed, and statements need a sign-in again', async () => {
    const logout = await runDbq(['logout', '-p', 'e2e'], { env });
    expect(logout.code).toBe(0);
    expect(logout.stderr).toContain('Signed out of https://acme.awsapps.com/start (profile e2e)');
    expect(standIn.callsTo('Logout')).toHaveLength(1);
    const run = await runDbq(['-p', 'e2e', '-c', 'SELECT 1'], { env });
    expect(run.code).toBe(3);
  });

  it('tests a signed-out profile by signing in first, then pinging', async () => {
    const run = await runDbq(['profiles', 'test', 'e2e', '--no-browser'], { env });
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('not signed in to https://acme.awsapps.com/start');
    expect(run.stderr).toContain('Signed in: DBReader @ 111122223333');
    expect(run.stdout).toMatch(/^principal: +local:user\//m);
  });
});
