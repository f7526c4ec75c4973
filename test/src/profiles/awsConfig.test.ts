import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseAwsConfig } from '../../../src/profiles/awsConfig.js';
import { importAwsProfiles } from '../../../src/profiles/importAws.js';
import { resolveAuth } from '../../../src/profiles/resolveAuth.js';
import { ProfileStore } from '../../../src/profiles/store.js';

const CONFIG = `
# comment line
; another comment
[default]
region = us-east-1

[profile prod-reader]
sso_session = acme
sso_account_id = 111122223333
sso_role_name = DBReader
region = eu-west-1   # inline comment

[profile legacy]
sso_start_url = https://legacy.awsapps.com/start#/
sso_region = us-west-2
sso_account_id = 444455556666
sso_role_name = Admin
region=us-west-2
s3 =
    max_concurrent_requests = 20
    region = not-a-profile-key

[profile session-only]
sso_session = acme

[profile keys]
aws_access_key_id = AKIDEXAMPLE

[sso-session acme]
sso_start_url = https://acme.awsapps.com/start
sso_region = eu-west-1
sso_registration_scopes = sso:account:access , 

[services local]
lambda =
  endpoint_url = http://127.0.0.1:9001
`;

describe('reading ~/.aws/config', () => {
  it('parses profiles and sso-session sections, comments, and skips nested sub-keys', () => {
    const config = parseAwsConfig(CONFIG);
    expect([...config.profiles.keys()]).toEqual(['default', 'prod-reader', 'legacy', 'session-only', 'keys']);
    expect(config.profiles.get('prod-reader')).toEqual({
      sso_session: 'acme',
      sso_account_id: '111122223333',
      sso_role_name: 'DBReader',
      region: 'eu-west-1',
    });
    // '#' inside a URL is not a comment; the nested s3 keys do not leak into the profile.
    expect(config.profiles.get('legacy')?.sso_start_url).toBe('https://legacy.awsapps.com/start#/');
    expect(config.profiles.get('legacy')?.region).toBe('us-west-2');
    expect(config.ssoSessions.get('acme')).toEqual({
      sso_start_url: 'https://acme.awsapps.com/start',
      sso_region: 'eu-west-1',
      sso_registration_scopes: 'sso:account:access ,',
    });
  });
});

describe('importing SSO profiles', () => {
  let dir: string;
  let store: ProfileStore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'dbq-import-'));
    store = new ProfileStore({ dir });
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('imports sso_session and legacy start-URL profiles with their sessions, and says why others are skipped', () => {
    const config = parseAwsConfig(CONFIG);
    const report = importAwsProfiles(config, store, { functionName: 'dbq-query', replace: false, only: [] });
    expect(report.imported).toEqual(['prod-reader', 'legacy']);
    expect(report.ssoSessions).toEqual(['acme']);
    expect(report.skipped).toEqual([
      { name: 'session-only', reason: expect.stringContaining('sso_account_id') as string },
    ]);
    expect(store.get('prod-reader')).toMatchObject({
      region: 'eu-west-1',
      function: 'dbq-query',
      auth: { type: 'sso', ssoSession: 'acme', accountId: '111122223333', roleName: 'DBReader' },
    });
    expect(store.get('legacy')?.auth).toEqual({
      type: 'sso',
      startUrl: 'https://legacy.awsapps.com/start#/',
      ssoRegion: 'us-west-2',
      accountId: '444455556666',
      roleName: 'Admin',
    });
    // The session keeps the CLI's scopes, so the CLI's cached client registration is shared.
    expect(store.ssoSession('acme')).toEqual({
      startUrl: 'https://acme.awsapps.com/start',
      region: 'eu-west-1',
      registrationScopes: ['sso:account:access'],
    });
  });

  it('keeps existing dbq profiles unless told to replace them', () => {
    const config = parseAwsConfig(CONFIG);
    importAwsProfiles(config, store, { functionName: 'dbq-query', replace: false, only: ['legacy'] });
    const again = importAwsProfiles(config, store, {
      functionName: 'other',
      replace: false,
      only: ['legacy', 'nope'],
    });
    expect(again.imported).toEqual([]);
    expect(again.skipped.map((s) => s.name)).toEqual(['nope', 'legacy']);
    importAwsProfiles(config, store, { functionName: 'other', replace: true, only: ['legacy'] });
    expect(store.get('legacy')?.function).toBe('other');
  });
});

describe('resolving how a profile signs in', () => {
  let dir: string;
  let store: ProfileStore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'dbq-resolve-'));
    store = new ProfileStore({ dir });
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const config = (): ReturnType<typeof parseAwsConfig> => parseAwsConfig(CONFIG);

  it('finds an sso-session in ~/.aws/config when dbq has not saved it', () => {
    const auth = resolveAuth(
      {
        name: 'p',
        region: 'eu-west-1',
        function: 'f',
        auth: { type: 'sso', ssoSession: 'acme', accountId: '111122223333', roleName: 'R' },
      },
      store,
      config,
    );
    expect(auth).toEqual({
      method: 'sso',
      sso: {
        sessionName: 'acme',
        startUrl: 'https://acme.awsapps.com/start',
        region: 'eu-west-1',
        registrationScopes: ['sso:account:access'],
      },
      accountId: '111122223333',
      roleName: 'R',
    });
  });

  it('signs an aws-profile profile in through SSO when that AWS profile is an SSO profile', () => {
    const auth = resolveAuth(
      { name: 'p', region: 'us-west-2', function: 'f', auth: { type: 'aws-profile', profile: 'legacy' } },
      store,
      config,
    );
    expect(auth).toMatchObject({
      method: 'sso',
      awsProfile: 'legacy',
      sso: { startUrl: 'https://legacy.awsapps.com/start#/' },
    });
    const keys = resolveAuth(
      { name: 'k', region: 'us-west-2', function: 'f', auth: { type: 'aws-profile', profile: 'keys' } },
      store,
      config,
    );
    expect(keys).toEqual({ method: 'aws-profile', awsProfile: 'keys' });
  });

  it('names the missing sso-session', () => {
    expect(() =>
      resolveAuth(
        {
          name: 'p',
          region: 'eu-west-1',
          function: 'f',
          auth: { type: 'sso', ssoSession: 'gone', accountId: '111122223333', roleName: 'R' },
        },
        store,
        config,
      ),
    ).toThrow(/names sso-session "gone"/);
  });
});
