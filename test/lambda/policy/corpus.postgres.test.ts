import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DbqError, type Role } from '../../../shared/protocol/index.js';
import { createPgDatabase, type TestPgDatabase } from '../../helpers/postgres.js';
import { startLocalStack, type LocalStack } from '../../helpers/localStack.js';
import {
  POSTGRES_ATTACKS,
  POSTGRES_BENIGN,
  POSTGRES_BENIGN_FIXTURE,
  POSTGRES_FIXTURE,
  type RefusingRole,
} from './corpus.js';

/** What an attack could change, read as the superuser: it must be the same after every attack. */
const STATE_QUERIES: Record<string, string> = {
  relations: `SELECT string_agg(c.relname || ':' || c.relkind::text, ',' ORDER BY c.relname) FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
    AND n.nspname NOT LIKE 'pg_toast%'`,
  temporaryTables: `SELECT count(*)::int FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname LIKE 'pg_temp%'`,
  rows: `SELECT md5(string_agg(id || '=' || label, ',' ORDER BY id)) FROM items`,
  sequence: "SELECT last_value || ':' || is_called FROM items_seq",
  schemas: `SELECT string_agg(nspname, ',' ORDER BY nspname) FROM pg_namespace WHERE nspname NOT LIKE 'pg_%'`,
  functions: `SELECT string_agg(proname, ',' ORDER BY proname) FROM pg_proc WHERE pronamespace = 'public'::regnamespace`,
  extensions: "SELECT string_agg(extname, ',' ORDER BY extname) FROM pg_extension",
  roles: "SELECT count(*)::int FROM pg_roles WHERE rolname LIKE 'evil%'",
  roleSettings: `SELECT coalesce(string_agg(array_to_string(setconfig, ','), ';'), '') FROM pg_db_role_setting s
    WHERE s.setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database())
    OR s.setrole = (SELECT oid FROM pg_roles WHERE rolname = current_user)`,
  acl: "SELECT coalesce(relacl::text, '') FROM pg_class WHERE relname = 'items'",
  comment: "SELECT coalesce(obj_description('items'::regclass, 'pg_class'), '')",
  advisoryLocks: `SELECT count(*)::int FROM pg_locks WHERE locktype = 'advisory'
    AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
  largeObjects: 'SELECT count(*)::int FROM pg_largeobject_metadata',
  preparedTransactions: 'SELECT count(*)::int FROM pg_prepared_xacts WHERE database = current_database()',
  replicationSlots: "SELECT count(*)::int FROM pg_replication_slots WHERE slot_name = 'dbq_attack'",
  autoConf: "SELECT count(*)::int FROM pg_file_settings WHERE sourcefile LIKE '%postgresql.auto.conf'",
  statsReset:
    "SELECT coalesce(stats_reset::text, '') FROM pg_stat_database WHERE datname = current_database()",
};

async function failure(promise: Promise<unknown>): Promise<DbqError | null> {
  try {
    await promise;
    return null;
  } catch (error) {
    if (error instanceof DbqError) return error;
    throw error;
  }
}

describe('hostile statements through the handler on PostgreSQL, connected as the superuser', () => {
  let db: TestPgDatabase;
  let victim: pg.Client;
  let victimPid = 0;
  let notifications = 0;
  const stacks = new Map<Role, LocalStack>();
  const file = `/tmp/dbq-attack-${randomBytes(6).toString('hex')}`;

  async function snapshot(): Promise<Record<string, unknown>> {
    const state: Record<string, unknown> = {};
    for (const [name, sql] of Object.entries(STATE_QUERIES)) {
      const result = await db.query<Record<string, unknown>>(sql);
      state[name] = Object.values(result.rows[0] ?? {})[0];
    }
    const alive = await db.query('SELECT count(*)::int AS n FROM pg_stat_activity WHERE pid = $1', [
      victimPid,
    ]);
    state.victimAlive = alive.rows[0];
    state.fileWritten = existsSync(file) || existsSync(`${file}.csv`);
    return state;
  }

  function fill(sql: string): string {
    return sql
      .replaceAll('{victim}', String(victimPid))
      .replaceAll('{db}', db.name)
      .replaceAll('{file}', file);
  }

  beforeAll(async () => {
    db = await createPgDatabase();
    for (const sql of [...POSTGRES_FIXTURE, ...POSTGRES_BENIGN_FIXTURE]) await db.query(sql);
    victim = new pg.Client({ connectionString: db.url });
    await victim.connect();
    victim.on('notification', () => {
      notifications++;
    });
    await victim.query('LISTEN dbq_channel');
    victimPid = (await victim.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid ?? 0;
    for (const role of ['read', 'write'] as const) {
      stacks.set(role, await startLocalStack({ engine: 'postgres', dbUrl: db.url, role }));
    }
  });

  afterAll(async () => {
    for (const stack of stacks.values()) await stack.stop();
    await victim?.end();
    await db?.drop();
  });

  function attacksFor(role: RefusingRole) {
    return POSTGRES_ATTACKS.filter((attack) => attack.roles.includes(role));
  }

  for (const role of ['read', 'write'] as const) {
    it(`refuses all ${attacksFor(role).length} hostile statements for the ${role} role and changes nothing`, async () => {
      const stack = stacks.get(role) as LocalStack;
      const mine = attacksFor(role);
      const before = await snapshot();
      const auditedBefore = stack.auditEvents().length;
      const outcomes: string[] = [];
      for (const attack of mine) {
        const sql = fill(attack.sql);
        const error = await failure(stack.session.execute(sql));
        outcomes.push(`${error?.code ?? 'RAN'}  ${attack.sql}`);
        expect(await snapshot(), `state after: ${attack.sql}`).toEqual(before);
      }
      const refused = outcomes.filter((line) => line.startsWith('DENIED'));
      expect(outcomes.filter((line) => !line.startsWith('DENIED'))).toEqual([]);
      expect(refused).toHaveLength(mine.length);

      // Every refusal is audited, with the classification and the rule that refused it.
      const denied = stack
        .auditEvents()
        .slice(auditedBefore)
        .filter((event) => event.event === 'outcome' && event.outcome === 'denied');
      expect(denied).toHaveLength(mine.length);
      expect(denied.every((event) => event.decision === 'deny' && typeof event.reason === 'string')).toBe(
        true,
      );
      expect(denied.filter((event) => event.classification === null)).toHaveLength(0);

      // The other session survived, heard nothing, and the handler's own session still works.
      await victim.query('SELECT 1');
      expect(notifications).toBe(0);
      const result = await stack.session.execute('SELECT count(*)::int FROM items');
      expect(result.lastPage.rows).toEqual([[2]]);
    });
  }

  it('notices the changes the attacks aim at (the state check is not blind)', async () => {
    const before = await snapshot();
    await db.query("COMMENT ON TABLE items IS 'changed'");
    await victim.query('SELECT pg_advisory_lock(4242)');
    await db.query("UPDATE items SET label = 'changed' WHERE id = 1");
    const after = await snapshot();
    expect(after).toMatchObject({ comment: 'changed', advisoryLocks: 1 });
    expect(after.rows).not.toEqual(before.rows);
    await db.query("UPDATE items SET label = 'one' WHERE id = 1");
    await db.query('COMMENT ON TABLE items IS NULL');
    await victim.query('SELECT pg_advisory_unlock(4242)');
    expect(await snapshot()).toEqual(before);
  });

  it(`allows all ${POSTGRES_BENIGN.length} benign DBRE reads for the read role`, async () => {
    const reader = stacks.get('read') as LocalStack;
    const failed: string[] = [];
    for (const sql of POSTGRES_BENIGN) {
      const error = await failure(
        (async () => {
          const result = await reader.session.execute(sql);
          for await (const page of result.pages()) expect(Array.isArray(page.rows)).toBe(true);
        })(),
      );
      if (error) failed.push(`${sql}: ${error.code} ${error.message}`);
    }
    expect(failed).toEqual([]);
  });
});
