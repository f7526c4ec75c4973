import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  readCachedRegistration,
  registrationCachePath,
  tokenCachePath,
  type SsoSessionConfig,
} from '../../../src/sso/cache.js';
import { isSignInRequired } from '../../../src/sso/errors.js';
import { deviceLogin, type DevicePrompt } from '../../../src/sso/oidc.js';
import { setEnv, startSsoStandIn, type SsoStandIn } from '../../helpers/ssoStandIn.js';

const SESSION: SsoSessionConfig = {
  sessionName: 'acme',
  startUrl: 'https://acme.awsapps.com/start',
  region: 'eu-west-1',
  registrationScopes: ['sso:account:access'],
};

describe('SSO device authorization against the SSO-OIDC stand-in', () => {
  let standIn: SsoStandIn;
  let home: string;
  let restoreEnv: () => void;
  /** Records each wait instead of sleeping: the intervals are what is checked. */
  let waits: number[];
  const sleep = (ms: number): Promise<void> => {
    waits.push(ms);
    return Promise.resolve();
  };

  beforeAll(async () => {
    standIn = await startSsoStandIn();
  });
  afterAll(async () => {
    await standIn.close();
  });
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'dbq-sso-'));
    restoreEnv = setEnv({ ...standIn.env, HOME: home });
    waits = [];
    standIn.configure({ approveOnPoll: 2, slowDownOnPolls: [], outcome: 'approve', interval: 1 });
  });
  afterEach(() => {
    restoreEnv();
    rmSync(home, { recursive: true, force: true });
  });

  it('shows the code, polls at the announced interval and caches the token in the AWS CLI format', async () => {
    const prompts: DevicePrompt[] = [];
    const token = await deviceLogin(SESSION, { onPrompt: (p) => prompts.push(p), sleep });
    expect(prompts).toHaveLength(1);
    expect(prompts[0]?.userCode).toMatch(/^[0-9A-F]{4}-[0-9A-F]{4}$/);
    expect(prompts[0]?.verificationUri).toBe('https://device.sso.stand-in.example/');
    expect(waits).toEqual([1000, 1000]);
    expect(standIn.callsTo('CreateToken').map((c) => c.body.grantType)).toEqual([
      'urn:ietf:params:oauth:grant-type:device_code',
      'urn:ietf:params:oauth:grant-type:device_code',
    ]);
    const path = tokenCachePath(SESSION);
    // sha1("acme"): the file `aws sso login --sso-session acme` reads and writes.
    expect(path).toBe(join(home, '.aws', 'sso', 'cache', '293abb6b76d7791c0732cc517d38c4b5c734b87f.json'));
    const onDisk = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    expect(Object.keys(onDisk).sort()).toEqual(
      [
        'accessToken',
        'clientId',
        'clientSecret',
        'expiresAt',
        'refreshToken',
        'region',
        'registrationExpiresAt',
        'startUrl',
      ].sort(),
    );
    expect(onDisk).toMatchObject({
      startUrl: SESSION.startUrl,
      region: 'eu-west-1',
      accessToken: token.accessToken,
    });
    expect(onDisk.expiresAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(home, '.aws', 'sso', 'cache')).mode & 0o777).toBe(0o700);
  });

  it('adds five seconds to the interval on every slow_down', async () => {
    standIn.configure({ approveOnPoll: 4, slowDownOnPolls: [1, 2] });
    await deviceLogin(SESSION, { onPrompt: () => undefined, sleep });
    expect(waits).toEqual([1000, 6000, 11000, 11000]);
  });

  it('reuses the cached client registration until it expires', async () => {
    await deviceLogin(SESSION, { onPrompt: () => undefined, sleep });
    const registered = standIn.callsTo('RegisterClient').length;
    await deviceLogin(SESSION, { onPrompt: () => undefined, sleep });
    expect(standIn.callsTo('RegisterClient')).toHaveLength(registered);
    // The AWS CLI's key: sha1 of Python's json.dumps(args, sort_keys=True), so both share the registration.
    const cliKey =
      '{"region": "eu-west-1", "scopes": ["sso:account:access"], "session_name": "acme", ' +
      '"startUrl": "https://acme.awsapps.com/start", "tool": "botocore"}';
    expect(registrationCachePath(SESSION)).toBe(
      join(home, '.aws', 'sso', 'cache', `${createHash('sha1').update(cliKey).digest('hex')}.json`),
    );
    const registration = readCachedRegistration(SESSION);
    expect(registration?.scopes).toEqual(['sso:account:access']);
    expect(statSync(registrationCachePath(SESSION)).mode & 0o777).toBe(0o600);
  });

  it('registers again when the cached registration has expired', async () => {
    standIn.configure({ registrationExpiresIn: 60 });
    await deviceLogin(SESSION, { onPrompt: () => undefined, sleep });
    const registered = standIn.callsTo('RegisterClient').length;
    standIn.configure({ registrationExpiresIn: 90 * 86400 });
    await deviceLogin(SESSION, { onPrompt: () => undefined, sleep });
    expect(standIn.callsTo('RegisterClient')).toHaveLength(registered + 1);
  });

  it('stops with a sign-in-required AUTH error when the code expires unapproved', async () => {
    standIn.configure({ outcome: 'expire' });
    const error: unknown = await deviceLogin(SESSION, { onPrompt: () => undefined, sleep }).catch(
      (e: unknown) => e,
    );
    expect(isSignInRequired(error)).toBe(true);
    expect((error as Error).message).toMatch(/expired before it was approved/);
  });

  it('stops with AUTH when the sign-in is denied in the browser', async () => {
    standIn.configure({ outcome: 'deny' });
    await expect(deviceLogin(SESSION, { onPrompt: () => undefined, sleep })).rejects.toMatchObject({
      code: 'AUTH',
      message: 'the sign-in was denied in the browser',
    });
  });

  it('stops polling with CANCELLED when aborted', async () => {
    standIn.configure({ approveOnPoll: 1000 });
    const controller = new AbortController();
    let polls = 0;
    const abortingSleep = (ms: number): Promise<void> => {
      polls += 1;
      if (polls === 3) controller.abort();
      return sleep(ms);
    };
    await expect(
      deviceLogin(SESSION, { onPrompt: () => undefined, sleep: abortingSleep, signal: controller.signal }),
    ).rejects.toMatchObject({ code: 'CANCELLED' });
  });
});
