import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DbqError, type Cell } from '../../../shared/protocol/index.js';
import type { TargetConfig } from '../../../lambda/config.js';
import { targetFromUrl } from '../../../src/local/localFunction.js';
import { createPgDatabase, type TestPgDatabase } from '../../helpers/postgres.js';
import { runDbq } from '../../helpers/runDbq.js';
import { secretsOf, startStsStack, STACK_REGION, type StsStack } from '../../helpers/stsStack.js';
import { testIdentities } from '../../helpers/stsStandIn.js';

const ids = testIdentities('123456789012');
const DB_PASSWORD = `pg-secret-${randomBytes(12).toString('hex')}`;

async function failure(promise: Promise<unknown>): Promise<DbqError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof DbqError) return error;
    throw error;
  }
  throw new Error('expected the request to fail');
}

describe('query handler in sts identity mode, through the real Lambda client and a local STS', () => {
  let db: TestPgDatabase;
  let stack: StsStack;

  beforeAll(async () => {
    db = await createPgDatabase();
    await db.query('CREATE TABLE items (id int PRIMARY KEY, label text)');
    await db.query("INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 25) AS g");
    const base = targetFromUrl('postgres', db.url);
    // The local PostgreSQL trusts 127.0.0.1, so the password is never needed; it is here to be looked for.
    const user = { user: base.users.read?.user ?? 'postgres', password: DB_PASSWORD };
    const withRoles = (roleMap: TargetConfig['roleMap']): TargetConfig => ({
      ...base,
      users: { read: user, write: user, admin: user },
      roleMap,
    });
    stack = await startStsStack({
      identities: [ids.reader, ids.writer, ids.intruder],
      defaultTarget: 'orders',
      targets: {
        orders: withRoles([
          {
            principal:
              'arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_DBReader_*',
            role: 'read',
          },
          { principal: 'arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_DBWriter_*/*', role: 'write' },
        ]),
        payroll: withRoles([
          { principal: 'arn:aws:iam::123456789012:role/AWSReservedSSO_DBReader_*', role: 'admin' },
        ]),
      },
    });
  });

  afterAll(async () => {
    await stack?.stop();
    await db?.drop();
  });

  it('lets a mapped reader run a read, paged, with a fresh proof per request', async () => {
    const session = stack.sessionFor(ids.reader);
    const result = await session.execute('SELECT id, label FROM items ORDER BY id', { pageRows: 10 });
    const rows: Cell[][] = [];
    for await (const page of result.pages()) rows.push(...page.rows);
    expect(rows).toHaveLength(25);
    expect(rows[24]).toEqual([25, 'item 25']);
    const proofs = stack.provers.at(-1)?.proofs ?? [];
    expect(proofs).toHaveLength(3);
    expect(new Set(proofs.map((proof) => proof.binding)).size).toBe(3);
    const events = stack.audit.events().filter((event) => event.principal === ids.reader.arn);
    expect(events.length).toBeGreaterThanOrEqual(6);
    expect(events.every((event) => event.role === 'read' && event.decision === 'allow')).toBe(true);
    expect(events[0]?.roleRule).toContain('AWSReservedSSO_DBReader_*');
  });

  it('reports the role each target gives the same principal', async () => {
    const orders = await stack.sessionFor(ids.reader).ping();
    const payroll = await stack.sessionFor(ids.reader, 'payroll').ping();
    expect([orders.target, orders.role, orders.principal]).toEqual(['orders', 'read', ids.reader.arn]);
    expect([payroll.target, payroll.role]).toEqual(['payroll', 'admin']);
    expect((await stack.sessionFor(ids.writer).ping()).role).toBe('write');
  });

  it('denies a principal that no rule of the target maps, naming it', async () => {
    const error = await failure(stack.sessionFor(ids.intruder).execute('SELECT 1'));
    expect(error.code).toBe('DENIED');
    expect(error.message).toContain(ids.intruder.arn);
    const denied = await failure(stack.sessionFor(ids.writer, 'payroll').execute('SELECT 1'));
    expect(denied.code).toBe('DENIED');
    expect(denied.message).toMatch(/no role on target payroll/);
    const event = stack.audit
      .events()
      .findLast((e) => e.principal === ids.writer.arn && e.target === 'payroll');
    expect(event).toMatchObject({ decision: 'deny', role: null, outcome: 'denied' });
  });

  it('refuses a request without a proof as not authenticated, and audits why', async () => {
    const error = await failure(stack.sessionFor(null).execute('SELECT 1'));
    expect(error.code).toBe('AUTH');
    expect(error.message).toMatch(/carries no identity proof/);
    const [intent, outcome] = stack.audit.events().slice(-2);
    expect(intent).toMatchObject({ event: 'intent', principal: null, decision: 'deny', sql: 'SELECT 1' });
    expect(intent?.identityError).toMatch(/carries no identity proof/);
    expect(outcome).toMatchObject({ event: 'outcome', outcome: 'denied', errorCode: 'AUTH' });
  });

  it('refuses a proof made with the wrong secret', async () => {
    const error = await failure(
      stack.sessionFor({ ...ids.reader, secretAccessKey: 'wrong' }).execute('SELECT 1'),
    );
    expect(error.code).toBe('AUTH');
    expect(error.message).toMatch(/SignatureDoesNotMatch/);
  });

  it('signs proofs from dbq --endpoint when AWS credentials are in the environment', async () => {
    const env = {
      AWS_ACCESS_KEY_ID: ids.writer.accessKeyId,
      AWS_SECRET_ACCESS_KEY: ids.writer.secretAccessKey,
      AWS_SESSION_TOKEN: ids.writer.sessionToken ?? '',
      AWS_ENDPOINT_URL_STS: stack.sts.url,
      AWS_PROFILE: '',
    };
    const run = await runDbq(
      [
        '--endpoint',
        stack.server.url,
        '--region',
        STACK_REGION,
        '--format',
        'csv',
        '-c',
        'SELECT count(*) AS n FROM items',
      ],
      { env },
    );
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe('n\n25\n');
    expect(run.code).toBe(0);
    expect(stack.audit.events().at(-1)).toMatchObject({
      principal: ids.writer.arn,
      role: 'write',
      outcome: 'ok',
    });
  });

  it('exits 3 from dbq --endpoint without credentials, with the reason', async () => {
    const run = await runDbq(['--endpoint', stack.server.url, '--region', STACK_REGION, '-c', 'SELECT 1'], {
      env: { AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_SESSION_TOKEN: '', AWS_PROFILE: '' },
    });
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/carries no identity proof/);
  });

  it('writes an intent and an outcome for every request, and no secret in any line', () => {
    const events = stack.audit.events();
    const byAudit = new Map<string, string[]>();
    for (const event of events)
      byAudit.set(event.auditId, [...(byAudit.get(event.auditId) ?? []), event.event]);
    for (const kinds of byAudit.values()) expect(kinds).toEqual(['intent', 'outcome']);
    for (const event of events)
      expect(event.principal !== null || typeof event.identityError === 'string').toBe(true);
    const text = stack.audit.lines.join('');
    const secrets = [...secretsOf([ids.reader, ids.writer, ids.intruder], stack.provers), DB_PASSWORD];
    expect(secrets.length).toBeGreaterThan(10);
    for (const secret of secrets)
      expect(text.includes(secret), `a secret leaked: ${secret.slice(0, 6)}…`).toBe(false);
    expect(text).not.toMatch(/X-Amz-Signature|X-Amz-Security-Token|X-Amz-Credential/);
  });
});
