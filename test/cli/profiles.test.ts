import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../helpers/localStack.js';
import { runDbq } from '../helpers/runDbq.js';

describe('dbq profiles', () => {
  let home: string;
  let env: NodeJS.ProcessEnv;
  let stack: LocalStack;
  const configFile = (): string => join(home, 'dbq', 'profiles.json');

  beforeAll(async () => {
    stack = await startLocalStack({ engine: 'pglite', role: 'read' });
  });
  afterAll(async () => {
    await stack?.stop();
  });
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'dbq-profiles-cli-'));
    env = { HOME: home, DBQ_CONFIG_DIR: join(home, 'dbq'), AWS_CONFIG_FILE: join(home, 'aws-config') };
    return () => rmSync(home, { recursive: true, force: true });
  });

  const dbq = (...args: string[]): ReturnType<typeof runDbq> => runDbq(args, { env });

  it('adds, lists, shows, edits and removes a profile from the command line', async () => {
    const add = await dbq(
      'profiles',
      'add',
      'prod',
      '--region',
      'eu-west-1',
      '--function',
      'dbq-query',
      '--target',
      'orders',
      '--environment',
      'production',
      '--sso-session',
      'acme',
      '--sso-start-url',
      'https://acme.awsapps.com/start',
      '--sso-region',
      'eu-west-1',
      '--account-id',
      '111122223333',
      '--role-name',
      'DBReader',
      '--default',
    );
    expect(add.stderr).toBe('saved profile prod (default)\n');
    expect(add.code).toBe(0);
    expect(statSync(configFile()).mode & 0o777).toBe(0o600);

    const list = await dbq('profiles', 'list');
    expect(list.stdout).toMatch(
      /^\* +prod +production +sso acme DBReader@111122223333 +eu-west-1 +dbq-query +orders$/m,
    );
    expect(list.stdout).toMatch(/^ +local +built-in embedded demo$/m);

    const edit = await dbq(
      'profiles',
      'edit',
      'prod',
      '--role-name',
      'DBWriter',
      '--target',
      '',
      '--page-size',
      '250',
    );
    expect(edit.code).toBe(0);
    const show = await dbq('profiles', 'show', 'prod', '--json');
    expect(JSON.parse(show.stdout)).toEqual({
      name: 'prod',
      region: 'eu-west-1',
      function: 'dbq-query',
      environment: 'production',
      auth: { type: 'sso', ssoSession: 'acme', accountId: '111122223333', roleName: 'DBWriter' },
      defaults: { pageSize: 250 },
    });
    const text = await dbq('profiles', 'show');
    expect(text.stdout).toMatch(/^name: +prod \(default\)$/m);
    expect(text.stdout).toMatch(/^confirm writes: +yes$/m);
    expect(text.stdout).toMatch(/^sso session: +acme \(https:\/\/acme\.awsapps\.com\/start, eu-west-1\)$/m);

    const rm = await dbq('profiles', 'rm', 'prod');
    expect(rm.code).toBe(0);
    expect((await dbq('profiles', 'list')).stdout).toMatch(/^\* +local/m);
  });

  it('refuses invalid values with exit status 2, naming each field', async () => {
    const run = await dbq(
      'profiles',
      'add',
      'bad',
      '--region',
      'nowhere',
      '--function',
      'x y',
      '--sso-start-url',
      'https://a.example/start',
      '--sso-region',
      'eu-west-1',
      '--account-id',
      '12',
      '--role-name',
      'R',
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('region: must be an AWS region');
    expect(run.stderr).toContain('function: must be a Lambda function name, ARN or alias ARN');
    expect(run.stderr).toContain('auth.accountId: must be a 12-digit AWS account id');
    const mixed = await dbq(
      'profiles',
      'add',
      'm',
      '--endpoint',
      'http://127.0.0.1:1',
      '--aws-profile',
      'dev',
    );
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toContain('choose one way to sign in');
  });

  it('asks for flags instead of a form when stdin is not a terminal', async () => {
    const run = await dbq('profiles', 'add', 'x');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('dbq profiles add NAME --region R --function F');
  });

  it('runs statements through a saved local-endpoint profile, by name and as the default', async () => {
    await dbq('profiles', 'add', 'dev', '--endpoint', stack.server.url, '--function', 'dbq-test');
    const named = await dbq('-p', 'dev', '--format', 'csv', '-c', 'SELECT 7 AS n');
    expect(named.stderr).toBe('');
    expect(named.stdout).toBe('n\n7\n');
    await dbq('profiles', 'default', 'dev');
    const byDefault = await dbq('--format', 'csv', '-c', 'SELECT 8 AS n');
    expect(byDefault.stdout).toBe('n\n8\n');
    const test = await dbq('profiles', 'test', 'dev');
    expect(test.stdout).toMatch(/^engine: +pglite$/m);
    const missing = await dbq('-p', 'nope', '-c', 'SELECT 1');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no saved profile named "nope"; saved: dev');
  });

  it("applies the profile's default format, page size and timeout unless the command line says otherwise", async () => {
    await dbq(
      'profiles',
      'add',
      'dev',
      '--endpoint',
      stack.server.url,
      '--format',
      'csv',
      '--page-size',
      '1',
      '--timeout',
      '20',
    );
    const fetches = (): number =>
      stack.auditEvents().filter((e) => e.op === 'fetch' && e.event === 'intent').length;
    const before = fetches();
    const byProfile = await dbq('-p', 'dev', '-c', 'SELECT n FROM generate_series(1, 3) AS n');
    expect(byProfile.stdout).toBe('n\n1\n2\n3\n');
    // One row per page: the rest of the rows came in separate fetches.
    expect(fetches() - before).toBeGreaterThanOrEqual(2);
    const overridden = await dbq('-p', 'dev', '--format', 'ndjson', '-c', 'SELECT 1 AS n');
    expect(overridden.stdout).toBe('{"n":1}\n');
  });

  it('stops with a clear error and a backup when the profiles file is corrupt, and never resets it', async () => {
    await dbq('profiles', 'add', 'dev', '--endpoint', stack.server.url);
    writeFileSync(configFile(), '{"version": 1, "profiles": {"dev": ');
    const run = await dbq('-p', 'dev', '-c', 'SELECT 1');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`${configFile()} is not valid JSON`);
    const backups = readdirSync(join(home, 'dbq')).filter((name) =>
      name.startsWith('profiles.json.corrupt-'),
    );
    expect(backups).toHaveLength(1);
    expect(run.stderr).toContain(backups[0]);
    expect(readFileSync(configFile(), 'utf8')).toBe('{"version": 1, "profiles": {"dev": ');
    const list = await dbq('profiles', 'list');
    expect(list.code).toBe(2);
  });

  it('imports the SSO profiles of the AWS config file', async () => {
    writeFileSync(
      join(home, 'aws-config'),
      [
        '[profile reader]',
        'sso_session = acme',
        'sso_account_id = 111122223333',
        'sso_role_name = DBReader',
        'region = eu-west-1',
        '[sso-session acme]',
        'sso_start_url = https://acme.awsapps.com/start',
        'sso_region = eu-west-1',
        'sso_registration_scopes = sso:account:access',
        '[profile plain]',
        'region = eu-west-1',
      ].join('\n'),
    );
    const run = await dbq('profiles', 'import', '--function', 'dbq-prod');
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('imported reader');
    expect(run.stderr).toContain('saved sso-session acme');
    const show = await dbq('profiles', 'show', 'reader', '--json');
    expect(JSON.parse(show.stdout)).toMatchObject({ function: 'dbq-prod', auth: { ssoSession: 'acme' } });
  });
});
