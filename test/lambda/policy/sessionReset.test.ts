import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cell } from '../../../shared/protocol/index.js';
import { DbqError } from '../../../shared/protocol/index.js';
import { createMariaDbDatabase, type TestMariaDbDatabase } from '../../helpers/mariadb.js';
import { createPgDatabase, type TestPgDatabase } from '../../helpers/postgres.js';
import { startLocalStack, type LocalStack } from '../../helpers/localStack.js';

async function rows(stack: LocalStack, sql: string): Promise<Cell[][]> {
  const result = await stack.session.execute(sql);
  const all: Cell[][] = [];
  for await (const page of result.pages()) all.push(...page.rows);
  return all;
}

async function failure(promise: Promise<unknown>): Promise<DbqError> {
  const outcome = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(outcome).toBeInstanceOf(DbqError);
  return outcome as DbqError;
}

/**
 * The admin role may leave session state behind (it runs SET, PREPARE, temporary tables, locks); the next
 * request on the reused session must not see any of it.
 */
describe('session state does not survive to the next request on a reused MariaDB session', () => {
  let db: TestMariaDbDatabase;
  let admin: LocalStack;

  beforeAll(async () => {
    db = await createMariaDbDatabase();
    await db.root.query('CREATE TABLE t (a INT)');
    admin = await startLocalStack({ engine: 'mysql', dbUrl: db.url, role: 'admin' });
  });

  afterAll(async () => {
    await admin?.stop();
    await db?.drop();
  });

  it('forgets user variables, prepared statements, temporary tables, user locks, settings and USE', async () => {
    const session = (await rows(admin, 'SELECT CONNECTION_ID()'))[0]?.[0];
    await rows(admin, 'SET @leftover = 42');
    await rows(admin, "PREPARE leftover FROM 'SELECT 1'");
    await rows(admin, 'CREATE TEMPORARY TABLE leftover_tmp (a INT)');
    await rows(admin, "SELECT GET_LOCK('dbq_leftover', 0)");
    await rows(admin, "SET SESSION sql_mode = 'ANSI_QUOTES', SESSION net_write_timeout = 5");
    await rows(admin, 'USE information_schema');

    expect(await rows(admin, 'SELECT CONNECTION_ID()')).toEqual([[session]]);
    expect(await rows(admin, 'SELECT @leftover, DATABASE(), @@session.net_write_timeout')).toEqual([
      [null, db.name, '900'],
    ]);
    const [modes] = await rows(admin, 'SELECT @@session.sql_mode');
    expect(modes?.[0]).toEqual(expect.not.stringContaining('ANSI_QUOTES'));
    expect((await failure(admin.session.execute('EXECUTE leftover'))).fields.errno).toBe(1243);
    expect((await failure(admin.session.execute('SELECT * FROM leftover_tmp'))).fields.errno).toBe(1146);
    const [locks] = await db.root.query("SELECT IS_USED_LOCK('dbq_leftover') AS holder");
    expect(locks).toEqual([{ holder: null }]);
    expect(await rows(admin, 'SELECT CONNECTION_ID()')).toEqual([[session]]);
  });
});

describe('session state does not survive to the next request on a reused PostgreSQL session', () => {
  let db: TestPgDatabase;
  let admin: LocalStack;

  beforeAll(async () => {
    db = await createPgDatabase();
    admin = await startLocalStack({ engine: 'postgres', dbUrl: db.url, role: 'admin' });
  });

  afterAll(async () => {
    await admin?.stop();
    await db?.drop();
  });

  it('forgets settings, prepared statements, temporary tables, advisory locks and LISTEN', async () => {
    const backend = (await rows(admin, 'SELECT pg_backend_pid()'))[0]?.[0];
    await rows(admin, "SELECT set_config('dbq.leftover', '42', false)");
    await rows(admin, 'PREPARE leftover AS SELECT 1');
    await rows(admin, 'CREATE TEMP TABLE leftover_tmp (a int)');
    await rows(admin, 'SELECT pg_advisory_lock(4242)');
    await rows(admin, 'LISTEN dbq_leftover');

    expect(await rows(admin, 'SELECT pg_backend_pid()')).toEqual([[backend]]);
    // DISCARD ALL keeps a custom setting's name defined, but resets its value.
    expect(await rows(admin, "SELECT current_setting('dbq.leftover', true)")).toEqual([['']]);
    expect((await failure(admin.session.execute('EXECUTE leftover'))).fields.sqlstate).toBe('26000');
    expect((await failure(admin.session.execute('SELECT * FROM leftover_tmp'))).fields.sqlstate).toBe(
      '42P01',
    );
    expect(await rows(admin, 'SELECT count(*)::int FROM pg_listening_channels()')).toEqual([[0]]);
    const held = await db.query("SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory'");
    expect(held.rows).toEqual([{ n: 0 }]);
    expect(await rows(admin, 'SELECT pg_backend_pid()')).toEqual([[backend]]);
  });
});
