import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import React from 'react';
import { render } from 'ink-testing-library';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ResolvedAuth } from '../../../src/profiles/resolveAuth.js';
import { builtInProfiles, type ReplConnection } from '../../../src/repl/connection.js';
import { FileHistoryStore } from '../../../src/repl/history.js';
import { parseMetaCommand } from '../../../src/repl/metaCommands.js';
import { ReplCore } from '../../../src/repl/replCore.js';
import { QuerySession } from '../../../src/session/querySession.js';
import { tokenCachePath } from '../../../src/sso/cache.js';
import { createAuthSession, type AuthSession } from '../../../src/sso/session.js';
import { LambdaTransport } from '../../../src/transport/lambdaTransport.js';
import { App } from '../../../src/ui/App.js';
import { ReplController } from '../../../src/ui/replController.js';
import { startLocalStack, type LocalStack } from '../../helpers/localStack.js';
import { setEnv, startSsoStandIn, type SsoStandIn } from '../../helpers/ssoStandIn.js';

const SSO_AUTH: Extract<ResolvedAuth, { method: 'sso' }> = {
  method: 'sso',
  sso: {
    sessionName: 'acme',
    startUrl: 'https://acme.awsapps.com/start',
    region: 'eu-west-1',
    registrationScopes: ['sso:account:access'],
  },
  accountId: '111122223333',
  roleName: 'DBReader',
};
const SIZE = { columns: 120, rows: 20 };
// eslint-disable-next-line no-control-regex -- only our own SGR codes may remain
const SGR = /\x1b\[[0-9;]*m/g;
const plain = (text: string | undefined): string => (text ?? '').replace(SGR, '');
const noWait = (): Promise<void> => Promise.resolve();

describe('signing in from the REPL through the SSO stand-ins', () => {
  let standIn: SsoStandIn;
  let stack: LocalStack;
  let dir: string;
  let restoreEnv: () => void;
  const mounted: { unmount(): void; controller: ReplController }[] = [];

  beforeAll(async () => {
    standIn = await startSsoStandIn();
    stack = await startLocalStack({ engine: 'pglite' });
  });
  afterAll(async () => {
    await stack?.stop();
    await standIn?.close();
  });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'dbq-repl-sso-'));
    restoreEnv = setEnv({ ...standIn.env, HOME: dir });
    standIn.configure({ approveOnPoll: 1, tokenExpiresIn: 8 * 3600, credentialsExpireInMs: 3600_000 });
  });
  afterEach(async () => {
    for (const app of mounted.splice(0)) {
      app.unmount();
      await app.controller.shutdown();
    }
    restoreEnv();
    rmSync(dir, { recursive: true, force: true });
  });

  /** An SSO profile's connection: the real transport, with the session's credentials provider. */
  function ssoConnection(auth: AuthSession): ReplConnection {
    const transport = new LambdaTransport({
      region: 'eu-west-1',
      functionName: 'dbq-test',
      endpoint: stack.server.url,
      credentials: auth.credentials,
    });
    return { session: new QuerySession(transport), label: 'prod', auth, close: () => Promise.resolve() };
  }

  function mount(auth: AuthSession) {
    const core = new ReplCore({
      profile: 'prod',
      open: () => Promise.resolve(ssoConnection(auth)),
      profiles: builtInProfiles(),
      historyFor: (profile) => new FileHistoryStore(join(dir, `${profile}.jsonl`)),
      readFile: (path) => Promise.resolve(readFileSync(path, 'utf8')),
      exportDir: join(dir, 'exports'),
    });
    const opened: string[] = [];
    const controller = new ReplController(core, SIZE, { openBrowser: (url) => opened.push(url) });
    controller.start();
    const app = render(<App controller={controller} size={SIZE} />);
    core.start();
    mounted.push({ unmount: app.unmount, controller });
    const frame = (): string => plain(app.lastFrame());
    const until = async (condition: (frame: string) => boolean, what: string): Promise<string> => {
      const deadline = Date.now() + 15_000;
      while (!condition(frame())) {
        if (Date.now() > deadline)
          throw new Error(`timed out waiting for ${what}; the screen was:\n${frame()}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      return frame();
    };
    const type = (text: string): void => {
      app.stdin.write(text);
    };
    return { until, type, opened };
  }

  it('signs in with \\login, showing the code and opening the browser, then runs statements as the role', async () => {
    const auth = createAuthSession('prod', SSO_AUTH, { sleep: noWait });
    const { until, type, opened } = mount(auth);
    await until((f) => f.includes('not connected to prod'), 'the connection to ask for a sign-in');
    type('\\login');
    type('\r');
    let frame = await until((f) => f.includes('Connected to prod'), 'the connection after the sign-in');
    expect(frame).toContain('Signed in as DBReader @ 111122223333.');
    expect(frame).toContain('Sign in to https://acme.awsapps.com/start:');
    const started = standIn.callsTo('StartDeviceAuthorization');
    expect(started).toHaveLength(1);
    expect(frame).toMatch(/ {2}code {2}\S+/);
    expect(opened).toHaveLength(1);
    type('SELECT 1 AS one;');
    type('\r');
    frame = await until((f) => f.includes('(1 row)'), 'the statement');
    expect(frame).toContain('prod · ');
    expect(frame).toContain('DBReader @ 111122223333');
  });

  it('keeps a statement that meets an expired sign-in, signs in again and then runs it', async () => {
    const auth = createAuthSession('prod', SSO_AUTH, { sleep: noWait });
    await auth.loginInteractive(() => undefined);
    const { until, type } = mount(auth);
    await until((f) => f.includes('DBReader @ 111122223333'), 'the signed-in connection');
    // The token expires mid-session, with no refresh token to renew it.
    const path = tokenCachePath(SSO_AUTH.sso);
    const { refreshToken: _dropped, ...token } = JSON.parse(readFileSync(path, 'utf8')) as Record<
      string,
      string
    >;
    writeFileSync(path, JSON.stringify({ ...token, expiresAt: '2020-01-01T00:00:00Z' }));
    auth.credentials.invalidate();
    const polls = standIn.callsTo('StartDeviceAuthorization').length;
    type("SELECT 'still here' AS kept;");
    type('\r');
    const frame = await until((f) => f.includes('(1 row)'), 'the statement to run after the sign-in');
    expect(frame).toContain('Sign-in required');
    expect(frame).toContain('Signed in as DBReader @ 111122223333.');
    expect(frame).toContain('still here');
    expect(frame.indexOf('Signed in as')).toBeLessThan(frame.indexOf('still here\n'));
    expect(standIn.callsTo('StartDeviceAuthorization')).toHaveLength(polls + 1);
  });

  it('cancels a waiting sign-in with Esc and leaves the statement unrun', async () => {
    // Approval never comes; the device flow polls at the announced interval until cancelled.
    standIn.configure({ approveOnPoll: 1_000_000 });
    const auth = createAuthSession('prod', SSO_AUTH);
    const { until, type } = mount(auth);
    await until((f) => f.includes('not connected to prod'), 'the connection to ask for a sign-in');
    type("SELECT 'never' AS ran;");
    type('\r');
    await until((f) => f.includes('waiting for the sign-in in the browser'), 'the sign-in to wait');
    type('\x1b');
    const frame = await until((f) => f.includes('Sign-in cancelled.'), 'the cancellation');
    expect(frame).toContain('The statement did not run');
    expect(frame).not.toContain('(1 row)');
  });

  it('says that a profile without AWS sign-in does not sign in', async () => {
    const core = new ReplCore({
      profile: 'local',
      open: () => Promise.resolve({ session: stack.session, label: 'local', close: () => Promise.resolve() }),
      profiles: builtInProfiles(),
      historyFor: (profile) => new FileHistoryStore(join(dir, `${profile}.jsonl`)),
      readFile: (path) => Promise.resolve(readFileSync(path, 'utf8')),
      exportDir: join(dir, 'exports'),
    });
    core.start();
    expect(await core.executeMeta(parseMetaCommand('\\login'))).toEqual({ kind: 'signIn' });
    const prompts: string[] = [];
    const signIn = await core.signIn((prompt) => prompts.push(prompt.userCode));
    expect(signIn).toMatchObject({ kind: 'message', lines: [expect.stringContaining('does not sign in')] });
    expect(await core.executeMeta(parseMetaCommand('\\logout'))).toMatchObject({
      kind: 'message',
      lines: [expect.stringContaining('does not sign in')],
    });
    expect(prompts).toEqual([]);
    await core.close();
  });
});
