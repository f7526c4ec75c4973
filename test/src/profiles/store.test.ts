import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { confirmWrites, isProduction, type Profile } from '../../../src/profiles/schema.js';
import { ProfileConfigError, ProfileStore } from '../../../src/profiles/store.js';

const SSO_PROFILE: Profile = {
  region: 'eu-west-1',
  function: 'arn:aws:lambda:eu-west-1:111122223333:function:dbq-query:live',
  target: 'orders',
  environment: 'production',
  auth: { type: 'sso', ssoSession: 'acme', accountId: '111122223333', roleName: 'DBReader' },
  defaults: { pageSize: 200, timeoutSec: 30, format: 'csv', exportDir: '/tmp/exports' },
};

describe('the profile store', () => {
  let dir: string;
  let store: ProfileStore;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'dbq-profiles-'));
    store = new ProfileStore({ dir: join(dir, 'config'), now: () => new Date('2024-02-29T12:34:56.789Z') });
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const errorOf = (fn: () => unknown): ProfileConfigError => {
    try {
      fn();
    } catch (error) {
      if (error instanceof ProfileConfigError) return error;
      throw error;
    }
    throw new Error('expected a ProfileConfigError');
  };

  it('starts empty when there is no file, and creates nothing until a profile is saved', () => {
    expect(store.list()).toEqual([]);
    expect(store.defaultName()).toBeUndefined();
  });

  it('saves profiles in a file only its owner can read, in a directory only its owner can enter', () => {
    store.save('prod', SSO_PROFILE);
    expect(statSync(store.path).mode & 0o777).toBe(0o600);
    expect(statSync(store.dir).mode & 0o777).toBe(0o700);
    expect(store.get('prod')).toEqual({ name: 'prod', ...SSO_PROFILE });
  });

  it('puts the file back to mode 0600 when it was made readable by others', () => {
    store.save('prod', SSO_PROFILE);
    chmodSync(store.path, 0o644);
    store.setDefault('prod');
    expect(statSync(store.path).mode & 0o777).toBe(0o600);
  });

  it('follows DBQ_CONFIG_DIR', () => {
    const previous = process.env.DBQ_CONFIG_DIR;
    process.env.DBQ_CONFIG_DIR = join(dir, 'elsewhere');
    try {
      const relocated = new ProfileStore();
      relocated.save('dev', { auth: { type: 'local', endpoint: 'http://127.0.0.1:9001' } });
      expect(relocated.path).toBe(join(dir, 'elsewhere', 'profiles.json'));
      expect(JSON.parse(readFileSync(relocated.path, 'utf8'))).toMatchObject({ profiles: { dev: {} } });
    } finally {
      if (previous === undefined) delete process.env.DBQ_CONFIG_DIR;
      else process.env.DBQ_CONFIG_DIR = previous;
    }
  });

  it('keeps a default profile, and forgets it when that profile is removed', () => {
    store.save('prod', SSO_PROFILE);
    store.save('dev', { ...SSO_PROFILE, environment: 'dev' });
    store.setDefault('dev');
    expect(store.defaultName()).toBe('dev');
    store.remove('dev');
    expect(store.defaultName()).toBeUndefined();
    expect(store.list().map((p) => p.name)).toEqual(['prod']);
  });

  it('refuses to overwrite a profile unless asked to', () => {
    store.save('prod', SSO_PROFILE);
    expect(errorOf(() => store.save('prod', SSO_PROFILE)).message).toContain('already exists');
    store.save('prod', { ...SSO_PROFILE, target: 'billing' }, { replace: true });
    expect(store.get('prod')?.target).toBe('billing');
  });

  it('names every invalid field of a profile being saved', () => {
    const message = errorOf(() =>
      store.save('prod', {
        ...SSO_PROFILE,
        region: 'Europe',
        function: 'not a function!',
        auth: { type: 'sso', ssoSession: 'acme', accountId: '12', roleName: 'DBReader' },
        defaults: { pageSize: 0 },
      }),
    ).message;
    expect(message).toContain('region: must be an AWS region');
    expect(message).toContain('function: must be a Lambda function name, ARN or alias ARN');
    expect(message).toContain('auth.accountId: must be a 12-digit AWS account id');
    expect(message).toContain('defaults.pageSize:');
  });

  it('requires a start URL with its region, or a session name, for an SSO profile', () => {
    const message = errorOf(() =>
      store.save('prod', {
        ...SSO_PROFILE,
        auth: {
          type: 'sso',
          startUrl: 'https://acme.awsapps.com/start',
          accountId: '111122223333',
          roleName: 'R',
        },
      }),
    ).message;
    expect(message).toContain('auth.ssoRegion: startUrl needs ssoRegion');
  });

  it('needs a region and a function except for a local endpoint', () => {
    expect(errorOf(() => store.save('x', { auth: { type: 'aws-profile', profile: 'dev' } })).message).toMatch(
      /region: is required[\s\S]*function: is required/,
    );
    expect(store.save('y', { auth: { type: 'local', endpoint: 'http://127.0.0.1:9001' } }).name).toBe('y');
  });

  it('keeps the name "local" for the built-in profile', () => {
    expect(errorOf(() => store.save('local', SSO_PROFILE)).message).toContain('built-in');
  });

  it('reports an unknown field in the file by its full name, and leaves the file alone', () => {
    const text = JSON.stringify({
      version: 1,
      profiles: { prod: { ...SSO_PROFILE, colour: 'red', auth: { ...SSO_PROFILE.auth, mfa: true } } },
    });
    store.save('seed', SSO_PROFILE);
    writeFileSync(store.path, text);
    const message = errorOf(() => store.list()).message;
    expect(message).toContain('unknown field "profiles.prod.colour"');
    expect(message).toContain('unknown field "profiles.prod.auth.mfa"');
    expect(readFileSync(store.path, 'utf8')).toBe(text);
  });

  it('reports an unknown auth type by name', () => {
    store.save('seed', SSO_PROFILE);
    writeFileSync(
      store.path,
      JSON.stringify({ version: 1, profiles: { p: { auth: { type: 'password' } } } }),
    );
    expect(errorOf(() => store.list()).message).toContain(
      'profiles.p.auth.type: type must be one of sso, aws-profile, local',
    );
  });

  it('refuses a corrupt file with a clear error, keeps a timestamped copy, and never resets it', () => {
    store.save('prod', SSO_PROFILE);
    const corrupt = '{"version": 1, "profiles": {"prod": ';
    writeFileSync(store.path, corrupt);
    const reopened = new ProfileStore({ dir: store.dir, now: () => new Date('2024-02-29T12:34:56.789Z') });
    const error = errorOf(() => reopened.list());
    expect(error.message).toContain(`${store.path} is not valid JSON`);
    expect(error.backup).toBe(`${store.path}.corrupt-2024-02-29T12-34-56-789Z`);
    expect(readFileSync(error.backup ?? '', 'utf8')).toBe(corrupt);
    expect(statSync(error.backup ?? '').mode & 0o777).toBe(0o600);
    // Writes are refused too: the corrupt file is still there, untouched.
    expect(() => reopened.save('dev', SSO_PROFILE)).toThrow(ProfileConfigError);
    expect(readFileSync(store.path, 'utf8')).toBe(corrupt);
    expect(readdirSync(store.dir).filter((f) => f.includes('corrupt')).length).toBeGreaterThan(0);
  });

  it('refuses a file holding JSON that is not an object instead of treating it as empty', () => {
    store.save('prod', SSO_PROFILE);
    writeFileSync(store.path, '[]');
    expect(errorOf(() => store.list()).message).toContain('does not hold a JSON object');
    expect(() => store.save('dev', SSO_PROFILE)).toThrow(ProfileConfigError);
    expect(readFileSync(store.path, 'utf8')).toBe('[]');
  });

  it('notices a file that became corrupt after the store was opened', () => {
    store.save('prod', SSO_PROFILE);
    writeFileSync(store.path, 'not json');
    expect(() => store.get('prod')).toThrow(/not valid JSON/);
  });

  it('saves sso-sessions next to the profiles', () => {
    store.saveSsoSession('acme', { startUrl: 'https://acme.awsapps.com/start', region: 'eu-west-1' });
    expect(store.ssoSession('acme')).toEqual({
      startUrl: 'https://acme.awsapps.com/start',
      region: 'eu-west-1',
    });
    expect(
      errorOf(() => store.saveSsoSession('bad', { startUrl: 'ftp://x', region: 'eu-west-1' })).message,
    ).toContain('startUrl: the SSO start URL must be an http(s) URL');
  });
});

describe('environment labels', () => {
  it('treats production as production and asks before writes there unless told otherwise', () => {
    expect(isProduction({ environment: 'production' })).toBe(true);
    expect(isProduction({ environment: 'staging' })).toBe(false);
    expect(confirmWrites({ environment: 'production' })).toBe(true);
    expect(confirmWrites({ environment: 'production', confirmWrites: false })).toBe(false);
    expect(confirmWrites({ environment: 'dev' })).toBe(false);
    expect(confirmWrites({ confirmWrites: true })).toBe(true);
  });
});
