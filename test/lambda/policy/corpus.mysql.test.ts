import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DbqError, type Role } from '../../../shared/protocol/index.js';
import {
  createMariaDbDatabase,
  MARIADB_HOST,
  MARIADB_PORT,
  type TestMariaDbDatabase,
} from '../../helpers/mariadb.js';
import { startLocalStack, type LocalStack } from '../../helpers/localStack.js';
import {
  MYSQL_ATTACKS,
  MYSQL_BENIGN,
  MYSQL_BENIGN_FIXTURE,
  MYSQL_FIXTURE,
  type RefusingRole,
} from './corpus.js';

/** What an attack could change, read as root: it must be the same after every attack. */
const STATE_QUERIES: Record<string, string> = {
  tables: `SELECT GROUP_CONCAT(TABLE_NAME, ':', TABLE_TYPE ORDER BY TABLE_NAME) AS v FROM information_schema.TABLES
    WHERE TABLE_SCHEMA = DATABASE()`,
  columns: `SELECT GROUP_CONCAT(COLUMN_NAME ORDER BY ORDINAL_POSITION) AS v FROM information_schema.COLUMNS
    WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'items'`,
  indexes: `SELECT COUNT(*) AS v FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE()
    AND TABLE_NAME = 'items'`,
  routines: `SELECT GROUP_CONCAT(ROUTINE_NAME ORDER BY ROUTINE_NAME) AS v FROM information_schema.ROUTINES
    WHERE ROUTINE_SCHEMA = DATABASE()`,
  triggers: 'SELECT COUNT(*) AS v FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()',
  events: 'SELECT COUNT(*) AS v FROM information_schema.EVENTS WHERE EVENT_SCHEMA = DATABASE()',
  rows: "SELECT GROUP_CONCAT(id, '=', label ORDER BY id) AS v FROM items",
  sequence: 'SELECT next_not_cached_value AS v FROM items_seq',
  users: "SELECT COUNT(*) AS v FROM mysql.user WHERE User LIKE 'evil%'",
  databases:
    "SELECT GROUP_CONCAT(SCHEMA_NAME, ':', DEFAULT_CHARACTER_SET_NAME) AS v FROM information_schema.SCHEMATA WHERE SCHEMA_NAME IN (DATABASE(), 'evil_db')",
  globals: `SELECT CONCAT_WS(',', @@GLOBAL.max_connections, @@GLOBAL.general_log, @@GLOBAL.read_only,
    @@GLOBAL.sql_mode, @@GLOBAL.max_statement_time) AS v`,
  userLock: "SELECT IS_USED_LOCK('dbq_attack') AS v",
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

describe('hostile statements through the handler on MariaDB, connected as root', () => {
  let db: TestMariaDbDatabase;
  let victim: mysql.Connection;
  let victimId = 0;
  const stacks = new Map<Role, LocalStack>();
  const file = `/tmp/dbq-attack-${randomBytes(6).toString('hex')}`;

  async function value(sql: string): Promise<unknown> {
    const [rows] = await db.root.query<mysql.RowDataPacket[]>(sql);
    return rows[0]?.v;
  }

  async function snapshot(): Promise<Record<string, unknown>> {
    const state: Record<string, unknown> = {};
    for (const [name, sql] of Object.entries(STATE_QUERIES)) state[name] = await value(sql);
    state.victimAlive = await value(
      `SELECT COUNT(*) AS v FROM information_schema.PROCESSLIST WHERE ID = ${victimId}`,
    );
    const [inUse] = await db.root.query<mysql.RowDataPacket[]>(
      `SHOW OPEN TABLES FROM \`${db.name}\` WHERE In_use > 0`,
    );
    state.lockedTables = inUse.length;
    state.fileWritten = existsSync(file);
    return state;
  }

  function fill(sql: string): string {
    return sql
      .replaceAll('{victim}', String(victimId))
      .replaceAll('{db}', db.name)
      .replaceAll('{file}', file);
  }

  function attacksFor(role: RefusingRole) {
    return MYSQL_ATTACKS.filter((attack) => attack.roles.includes(role));
  }

  beforeAll(async () => {
    db = await createMariaDbDatabase();
    for (const sql of [...MYSQL_FIXTURE, ...MYSQL_BENIGN_FIXTURE]) await db.root.query(sql);
    victim = await mysql.createConnection({
      host: MARIADB_HOST,
      port: MARIADB_PORT,
      user: 'root',
      database: db.name,
    });
    const [rows] = await victim.query<mysql.RowDataPacket[]>('SELECT CONNECTION_ID() AS id');
    victimId = Number(rows[0]?.id);
    for (const role of ['read', 'write'] as const) {
      stacks.set(role, await startLocalStack({ engine: 'mysql', dbUrl: db.url, role }));
    }
  });

  afterAll(async () => {
    for (const stack of stacks.values()) await stack.stop();
    await victim?.end();
    await db?.drop();
  });

  for (const role of ['read', 'write'] as const) {
    it(`refuses all ${attacksFor(role).length} hostile statements for the ${role} role and changes nothing`, async () => {
      const stack = stacks.get(role) as LocalStack;
      const mine = attacksFor(role);
      const before = await snapshot();
      const auditedBefore = stack.auditEvents().length;
      const outcomes: string[] = [];
      for (const attack of mine) {
        const error = await failure(stack.session.execute(fill(attack.sql)));
        outcomes.push(`${error?.code ?? 'RAN'}  ${attack.sql}`);
        expect(await snapshot(), `state after: ${attack.sql}`).toEqual(before);
      }
      expect(outcomes.filter((line) => !line.startsWith('DENIED'))).toEqual([]);

      const denied = stack
        .auditEvents()
        .slice(auditedBefore)
        .filter((event) => event.event === 'outcome' && event.outcome === 'denied');
      expect(denied).toHaveLength(mine.length);
      expect(denied.filter((event) => event.classification === null)).toHaveLength(0);

      await victim.query('SELECT 1');
      const result = await stack.session.execute('SELECT COUNT(*) AS n FROM items');
      expect(result.lastPage.rows).toEqual([['2']]);
    });
  }

  it('notices the changes the attacks aim at (the state check is not blind)', async () => {
    const before = await snapshot();
    await victim.query("SELECT GET_LOCK('dbq_attack', 0)");
    await db.root.query("UPDATE items SET label = 'changed' WHERE id = 1");
    const after = await snapshot();
    expect(after.userLock).toBe(victimId);
    expect(after.rows).not.toEqual(before.rows);
    await db.root.query("UPDATE items SET label = 'one' WHERE id = 1");
    await victim.query("SELECT RELEASE_LOCK('dbq_attack')");
    expect(await snapshot()).toEqual(before);
  });

  it(`allows all ${MYSQL_BENIGN.length} benign DBRE reads for the read role`, async () => {
    const reader = stacks.get('read') as LocalStack;
    const failed: string[] = [];
    for (const sql of MYSQL_BENIGN) {
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
