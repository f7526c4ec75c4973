import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../../shared/protocol/index.js';
import { bootstrapSql } from '../../../lambda/bootstrap/templates.js';
import type { TargetConfig } from '../../../lambda/config.js';
import { createPostgresEngine } from '../../../lambda/engines/postgresServer.js';
import { PG_ADMIN_URL, createPgDatabase, type TestPgDatabase } from '../../helpers/postgres.js';
import { createRoleHandlers, errorOf, rowsOf, type RoleHandlers } from './roleHandlers.js';

const ROLES: Role[] = ['read', 'write', 'admin'];
// Roles are cluster-wide: unique per run, dropped afterwards.
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

type Answer = { ok: true; rows: unknown[][] } | { ok: false; sqlstate: string | undefined; message: string };

/**
 * What the database answers a statement sent straight to it as a role's user, in a read-write
 * transaction: what happens should a statement get past every check before the database.
 */
async function databaseAnswer(client: pg.Client, sql: string): Promise<Answer> {
  try {
    const result = await client.query<unknown[]>({ text: sql, rowMode: 'array' });
    return { ok: true, rows: result.rows };
  } catch (error) {
    const { code, message } = error as { code?: string; message: string };
    return { ok: false, sqlstate: code, message };
  }
}

describe('bootstrap SQL on PostgreSQL: least-privilege users per role', () => {
  let db: TestPgDatabase;
  let target: TargetConfig;
  let handlers: RoleHandlers;
  const clients = new Map<Role, pg.Client>();

  async function answer(role: Role, sql: string): Promise<Answer> {
    const client = clients.get(role);
    if (!client) throw new Error(`no client for ${role}`);
    return databaseAnswer(client, sql);
  }

  async function refused(role: Role, sql: string): Promise<string> {
    const result = await answer(role, sql);
    if (result.ok) throw new Error(`${role} was allowed to run: ${sql}`);
    return `${result.sqlstate ?? '?'} ${result.message}`;
  }

  beforeAll(async () => {
    db = await createPgDatabase();
    await db.query('CREATE TABLE items (id serial PRIMARY KEY, label text NOT NULL)');
    await db.query("INSERT INTO items (label) VALUES ('one'), ('two')");
    await db.query(
      bootstrapSql({
        engine: 'postgres',
        database: db.name,
        users: USERS,
        iam: false,
        passwords: PASSWORDS,
        owner: 'postgres',
      }),
    );
    target = {
      engine: 'postgres',
      host: '127.0.0.1',
      port: 5432,
      database: db.name,
      users: {
        read: { user: USERS.read, password: PASSWORDS.read },
        write: { user: USERS.write, password: PASSWORDS.write },
        admin: { user: USERS.admin, password: PASSWORDS.admin },
      },
      auth: 'password',
      tls: { mode: 'disable' },
    };
    handlers = createRoleHandlers(target);
    for (const role of ROLES) {
      const client = new pg.Client({
        host: '127.0.0.1',
        port: 5432,
        database: db.name,
        user: USERS[role],
        password: PASSWORDS[role],
        // The read user's default is a read-only transaction; these checks are about its grants alone.
        options: '-c default_transaction_read_only=off',
      });
      await client.connect();
      clients.set(role, client);
    }
  });

  afterAll(async () => {
    for (const client of clients.values()) await client.end();
    await handlers?.shutdown();
    await db?.drop();
    const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
    await admin.connect();
    try {
      for (const user of Object.values(USERS)) await admin.query(`DROP ROLE IF EXISTS "${user}"`);
    } finally {
      await admin.end();
    }
  });

  it('connects each role as its own database user through the handler', async () => {
    for (const role of ROLES) {
      const invocation = await handlers.execute(role, 'SELECT current_user, session_user');
      expect(rowsOf(invocation)).toEqual([[USERS[role], USERS[role]]]);
    }
  });

  it('lets each role do its own work through the handler', async () => {
    expect(rowsOf(await handlers.execute('read', 'SELECT label FROM items ORDER BY id'))).toEqual([
      ['one'],
      ['two'],
    ]);
    expect(
      rowsOf(await handlers.execute('write', "INSERT INTO items (label) VALUES ('three') RETURNING id")),
    ).toEqual([[3]]);
    expect(rowsOf(await handlers.execute('admin', 'CREATE TABLE admin_made (id int PRIMARY KEY)'))).toEqual(
      [],
    );
  });

  it('refuses DDL from the write user in the database itself', async () => {
    const invocation = await handlers.execute('write', 'CREATE TABLE sneaky (id int)');
    expect(errorOf(invocation).code).toMatch(/DENIED|QUERY/);
    expect(await refused('write', 'CREATE TABLE sneaky (id int)')).toMatch(
      /^42501 permission denied for schema public/,
    );
    expect(await refused('write', 'ALTER TABLE items ADD COLUMN extra int')).toMatch(/^42501 must be owner/);
    expect(await refused('write', 'DROP TABLE items')).toMatch(/^42501 must be owner/);
    expect(await refused('write', 'TRUNCATE items')).toMatch(/^42501 permission denied for table items/);
    expect(await refused('write', 'CREATE INDEX ON items (label)')).toMatch(/^42501 must be owner/);
    expect(await refused('write', 'CREATE TEMP TABLE scratch (id int)')).toMatch(
      /^42501 permission denied to create temporary tables/,
    );
  });

  it("makes the read user's transactions read-only by default, whatever the engine asks for", async () => {
    const engine = createPostgresEngine(target);
    const session = await engine.connect('read');
    try {
      const error = await session.execute('DELETE FROM items', { readOnly: false, timeoutMs: 10_000 }).then(
        () => null,
        (failure: unknown) => engine.toDbqError(failure),
      );
      expect(error?.fields.sqlstate).toBe('25006');
    } finally {
      await session.close();
      await engine.shutdown();
    }
  });

  it('refuses writes, temporary tables and DDL from the read user even outside a READ ONLY transaction', async () => {
    expect(await refused('read', "INSERT INTO items (label) VALUES ('x')")).toMatch(
      /^42501 permission denied for table items/,
    );
    expect(await refused('read', 'UPDATE items SET label = label')).toMatch(/^42501 permission denied/);
    expect(await refused('read', 'DELETE FROM items')).toMatch(/^42501 permission denied/);
    expect(await refused('read', "SELECT nextval('items_id_seq')")).toMatch(
      /^42501 permission denied for sequence/,
    );
    expect(await refused('read', 'CREATE TEMP TABLE scratch (id int)')).toMatch(
      /^42501 permission denied to create temporary tables/,
    );
    expect(await refused('read', 'CREATE TABLE public.sneaky (id int)')).toMatch(
      /^42501 permission denied for schema/,
    );
    expect(await refused('read', "COPY items TO '/tmp/dbq-should-not-exist'")).toMatch(/^42501 /);
  });

  it.each([
    ['signal another session', 'SELECT pg_cancel_backend(pg_backend_pid())'],
    ['terminate a session', 'SELECT pg_terminate_backend(pg_backend_pid())'],
    ['reload the configuration', 'SELECT pg_reload_conf()'],
    ['rotate the log file', 'SELECT pg_rotate_logfile()'],
    ['take a session advisory lock', 'SELECT pg_advisory_lock(42)'],
    ['try a transaction advisory lock', 'SELECT pg_try_advisory_xact_lock(42)'],
    ['create a large object', 'SELECT lo_create(0)'],
    ['write a large object', "SELECT lo_from_bytea(0, '\\x00'::bytea)"],
    ['import a server file', "SELECT lo_import('/etc/passwd')"],
    ['read a server file', "SELECT pg_read_file('/etc/passwd')"],
    ['read a binary server file', "SELECT pg_read_binary_file('/etc/passwd')"],
    ['list a server directory', "SELECT pg_ls_dir('.')"],
    ['stat a server file', "SELECT pg_stat_file('/etc/passwd')"],
  ])('refuses the read and write users to %s in the database itself', async (_, sql) => {
    for (const role of ['read', 'write'] as const) {
      expect(await refused(role, sql)).toMatch(/^42501 permission denied for function/);
    }
  });

  it('keeps the operator functions for the admin user', async () => {
    const locked = await answer('admin', 'SELECT pg_try_advisory_xact_lock(42)');
    expect(locked).toEqual({ ok: true, rows: [[true]] });
    const monitor = await answer('admin', "SELECT pg_has_role('pg_signal_backend', 'member')");
    expect(monitor).toEqual({ ok: true, rows: [[true]] });
  });

  it('gives the read and write users the tables created after the bootstrap', async () => {
    // by the owner named at bootstrap (postgres here) and by the admin user
    await db.query('CREATE TABLE later (id int)');
    expect(rowsOf(await handlers.execute('admin', 'CREATE TABLE admin_later (id int)'))).toEqual([]);
    for (const table of ['later', 'admin_later']) {
      expect(rowsOf(await handlers.execute('write', `INSERT INTO ${table} VALUES (1)`))).toEqual([]);
      expect(rowsOf(await handlers.execute('read', `SELECT count(*) FROM ${table}`))).toEqual([['1']]);
    }
  });

  it('sets per-user session defaults and connection limits', async () => {
    const roles = await db.query<{ rolname: string; rolconnlimit: number; rolconfig: string[] }>(
      'SELECT rolname, rolconnlimit, rolconfig FROM pg_roles WHERE rolname = ANY($1) ORDER BY rolname',
      [Object.values(USERS)],
    );
    const read = roles.rows.find((row) => row.rolname === USERS.read);
    expect(read?.rolconnlimit).toBe(50);
    expect(read?.rolconfig).toEqual(
      expect.arrayContaining([
        'statement_timeout=300000',
        'idle_in_transaction_session_timeout=360000',
        'default_transaction_read_only=on',
      ]),
    );
    const owned = await db.query(
      "SELECT relname FROM pg_class WHERE pg_get_userbyid(relowner) IN ($1, $2) AND relnamespace = 'public'::regnamespace",
      [USERS.read, USERS.write],
    );
    expect(owned.rows).toEqual([]);
  });
});
