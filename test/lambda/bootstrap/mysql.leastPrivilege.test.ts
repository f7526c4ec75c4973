import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../../shared/protocol/index.js';
import { splitStatements } from '../../../shared/sql/split.js';
import { bootstrapSql } from '../../../lambda/bootstrap/templates.js';
import {
  createMariaDbDatabase,
  MARIADB_HOST,
  MARIADB_PORT,
  type TestMariaDbDatabase,
} from '../../helpers/mariadb.js';
import { createRoleHandlers, errorOf, rowsOf, type RoleHandlers } from './roleHandlers.js';

const ROLES: Role[] = ['read', 'write', 'admin'];
// Users are server-wide: unique per run, dropped afterwards.
const TAG = randomBytes(4).toString('hex');
const USERS: Record<Role, string> = {
  read: `dbq_t_${TAG}_read`,
  write: `dbq_t_${TAG}_write`,
  admin: `dbq_t_${TAG}_admin`,
};
const PASSWORDS: Record<Role, string> = {
  read: `read-${TAG}-secret`,
  write: `write-${TAG}-secret`,
  admin: `admin-${TAG}-secret`,
};

type Answer = { ok: true; rows: unknown[][] } | { ok: false; errno: number | undefined; message: string };

/** What the server answers a statement sent straight to it as a role's user (no READ ONLY transaction). */
async function serverAnswer(connection: mysql.Connection, sql: string): Promise<Answer> {
  try {
    const [rows] = await connection.query({ sql, rowsAsArray: true });
    return { ok: true, rows: Array.isArray(rows) ? (rows as unknown[][]) : [] };
  } catch (error) {
    const { errno, message } = error as { errno?: number; message: string };
    return { ok: false, errno, message };
  }
}

describe('bootstrap SQL on MariaDB: least-privilege users per role', () => {
  let db: TestMariaDbDatabase;
  let handlers: RoleHandlers;
  const connections = new Map<Role, mysql.Connection>();

  async function answer(role: Role, sql: string): Promise<Answer> {
    const connection = connections.get(role);
    if (!connection) throw new Error(`no connection for ${role}`);
    return serverAnswer(connection, sql);
  }

  async function refused(role: Role, sql: string): Promise<string> {
    const result = await answer(role, sql);
    if (result.ok) throw new Error(`${role} was allowed to run: ${sql}`);
    return `${result.errno ?? '?'} ${result.message}`;
  }

  beforeAll(async () => {
    db = await createMariaDbDatabase();
    await db.root.query('CREATE TABLE items (id int AUTO_INCREMENT PRIMARY KEY, label varchar(20) NOT NULL)');
    await db.root.query("INSERT INTO items (label) VALUES ('one'), ('two')");
    const script = bootstrapSql({
      engine: 'mysql',
      database: db.name,
      users: USERS,
      iam: false,
      passwords: PASSWORDS,
      flavor: 'mariadb',
      // The shared test server has no TLS; the TLS-enabled server of the engine tests covers REQUIRE SSL.
      requireTls: false,
    });
    for (const statement of splitStatements(script, 'mysql')) await db.root.query(statement.text);
    const users = Object.fromEntries(
      ROLES.map((role) => [role, { user: USERS[role], password: PASSWORDS[role] }]),
    ) as Record<Role, { user: string; password: string }>;
    handlers = createRoleHandlers(db.target({ users }));
    for (const role of ROLES) {
      connections.set(
        role,
        await mysql.createConnection({
          host: MARIADB_HOST,
          port: MARIADB_PORT,
          user: USERS[role],
          password: PASSWORDS[role],
          database: db.name,
        }),
      );
    }
  });

  afterAll(async () => {
    for (const connection of connections.values()) await connection.end();
    await handlers?.shutdown();
    if (db) {
      for (const user of Object.values(USERS)) await db.root.query(`DROP USER IF EXISTS '${user}'@'%'`);
      await db.drop();
    }
  });

  it('connects each role as its own database user through the handler', async () => {
    for (const role of ROLES) {
      const invocation = await handlers.execute(role, 'SELECT CURRENT_USER()');
      expect(rowsOf(invocation)).toEqual([[`${USERS[role]}@%`]]);
    }
  });

  it('lets each role do its own work through the handler', async () => {
    expect(rowsOf(await handlers.execute('read', 'SELECT label FROM items ORDER BY id'))).toEqual([
      ['one'],
      ['two'],
    ]);
    expect(rowsOf(await handlers.execute('write', "INSERT INTO items (label) VALUES ('three')"))).toEqual([]);
    expect(rowsOf(await handlers.execute('admin', 'CREATE TABLE admin_made (id int PRIMARY KEY)'))).toEqual(
      [],
    );
    expect(rowsOf(await handlers.execute('read', 'SELECT count(*) FROM admin_made'))).toEqual([['0']]);
  });

  it('refuses DDL from the write user in the server itself', async () => {
    expect(errorOf(await handlers.execute('write', 'CREATE TABLE sneaky (id int)')).code).toMatch(
      /DENIED|QUERY/,
    );
    expect(await refused('write', 'CREATE TABLE sneaky (id int)')).toMatch(/^1142 CREATE command denied/);
    expect(await refused('write', 'ALTER TABLE items ADD COLUMN extra int')).toMatch(
      /^1142 ALTER command denied/,
    );
    expect(await refused('write', 'DROP TABLE items')).toMatch(/^1142 DROP command denied/);
    expect(await refused('write', 'TRUNCATE items')).toMatch(/^1142 DROP command denied/);
    expect(await refused('write', 'CREATE INDEX by_label ON items (label)')).toMatch(
      /^1142 INDEX command denied/,
    );
    expect(await refused('write', 'CREATE TEMPORARY TABLE scratch (id int)')).toMatch(/^1044 Access denied/);
    expect(await refused('write', 'LOCK TABLES items WRITE')).toMatch(/^1044 Access denied/);
  });

  it('refuses writes and temporary tables from the read user outside a READ ONLY transaction', async () => {
    expect(await refused('read', "INSERT INTO items (label) VALUES ('x')")).toMatch(
      /^1142 INSERT command denied/,
    );
    expect(await refused('read', 'UPDATE items SET label = label')).toMatch(/^1142 UPDATE command denied/);
    expect(await refused('read', 'DELETE FROM items')).toMatch(/^1142 DELETE command denied/);
    expect(await refused('read', 'CREATE TEMPORARY TABLE scratch (id int)')).toMatch(/^1044 Access denied/);
  });

  it('gives no user access to files, other sessions, server settings or the mysql schema', async () => {
    for (const role of ROLES) {
      expect(await answer(role, "SELECT LOAD_FILE('/etc/passwd')")).toEqual({ ok: true, rows: [[null]] });
      expect(await refused(role, "SELECT 1 INTO OUTFILE '/tmp/dbq-should-not-exist'")).toMatch(
        /^1227 Access denied; you need \(at least one of\) the FILE privilege/,
      );
      expect(await refused(role, 'SELECT * FROM mysql.user')).toMatch(/^1142 SELECT command denied/);
      expect(await refused(role, 'SET GLOBAL max_connections = 10')).toMatch(/^1227 Access denied/);
      const [rootThread] = (await db.root.query('SELECT CONNECTION_ID() AS id')) as unknown as [
        [{ id: number }],
      ];
      expect(await refused(role, `KILL QUERY ${rootThread[0].id}`)).toMatch(
        /^1095 You are not owner of thread/,
      );
      const processes = await answer(role, 'SELECT DISTINCT USER FROM information_schema.PROCESSLIST');
      expect(processes).toEqual({ ok: true, rows: [[USERS[role]]] });
    }
  });

  it('limits connections and statement time per user', async () => {
    const [rows] = (await db.root.query(
      "SELECT User, max_user_connections, max_statement_time FROM mysql.user WHERE User LIKE 'dbq_t_%' AND User IN (?, ?, ?) ORDER BY User",
      Object.values(USERS),
    )) as unknown as [Array<{ User: string; max_user_connections: number; max_statement_time: string }>];
    expect(rows).toHaveLength(3);
    for (const row of rows) {
      expect(Number(row.max_user_connections)).toBe(50);
      expect(Number(row.max_statement_time)).toBe(300);
    }
  });
});
