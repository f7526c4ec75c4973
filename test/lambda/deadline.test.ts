import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ABANDON_BEFORE_DEADLINE_MS,
  CANCEL_BEFORE_DEADLINE_MS,
  DATABASE_TIMEOUT_MARGIN_MS,
  databaseTimeoutBudget,
  guardDeadline,
} from '../../lambda/deadline.js';
import { DbqError, type Role } from '../../shared/protocol/index.js';
import { createMariaDbDatabase, type TestMariaDbDatabase } from '../helpers/mariadb.js';
import { createPgDatabase, type TestPgDatabase } from '../helpers/postgres.js';
import { createRoleHandlers, errorOf, type RoleHandlers } from './bootstrap/roleHandlers.js';
import type { AuditEvent } from '../../lambda/audit.js';
import { AuditTrail } from '../../lambda/auditTrail.js';
import { parseFunctionConfig } from '../../lambda/config.js';
import { createDeployedEngine } from '../../lambda/engines/deployed.js';
import { executeStatement, fetchPage } from '../../lambda/execute.js';
import { localIdentityVerifier } from '../../lambda/identity/local.js';
import { Runtime } from '../../lambda/runtime.js';

/** A session whose statement fails as soon as it is cancelled, like a database that honours a cancel. */
function cancellableWork(): { cancel: () => Promise<void>; work: Promise<string>; cancelled: () => number } {
  let cancels = 0;
  let fail: (error: Error) => void = () => undefined;
  const work = new Promise<string>((_, reject) => {
    fail = reject;
  });
  // A test may never await the work it cancels.
  work.catch(() => undefined);
  return {
    work,
    cancelled: () => cancels,
    cancel: () => {
      cancels += 1;
      fail(new Error('canceling statement due to user request'));
      return Promise.resolve();
    },
  };
}

describe('the deadline guard', () => {
  it('cancels a statement still running shortly before the deadline and reports TIMEOUT', async () => {
    const session = cancellableWork();
    const guard = guardDeadline(session, performance.now() + CANCEL_BEFORE_DEADLINE_MS + 30);
    const failure = await guard.watch(session.work).catch((error: unknown) => error);
    expect(session.cancelled()).toBe(1);
    expect(guard.fired).toBe(true);
    expect(guard.abandoned).toBe(false);
    const explained = guard.explain(
      new DbqError('CANCELLED', (failure as Error).message, { sqlstate: '57014' }),
    );
    expect(explained.code).toBe('TIMEOUT');
    expect(explained.message).toMatch(/^the statement was cancelled 1000 ms before the function's deadline/);
    expect(explained.fields.sqlstate).toBe('57014');
  });

  it('stops waiting for a statement that ignores the cancel, just before the deadline', async () => {
    let cancels = 0;
    const guard = guardDeadline(
      {
        cancel: () => {
          cancels += 1;
          return Promise.resolve();
        },
      },
      performance.now() + ABANDON_BEFORE_DEADLINE_MS + 30,
    );
    const failure = await guard.watch(new Promise<never>(() => undefined)).catch((error: unknown) => error);
    expect(cancels).toBe(1);
    expect(guard.abandoned).toBe(true);
    expect(failure).toBeInstanceOf(DbqError);
    expect((failure as DbqError).code).toBe('TIMEOUT');
    expect((failure as DbqError).message).toMatch(/did not stop when cancelled/);
    // Anything else the request would wait for on that session gives up at once.
    await expect(guard.watch(Promise.resolve(1))).rejects.toThrow(/did not stop/);
  });

  it('leaves work that finishes in time alone', async () => {
    const session = cancellableWork();
    const guard = guardDeadline(session, performance.now() + 60_000);
    expect(await guard.watch(Promise.resolve('rows'))).toBe('rows');
    guard.finish();
    expect(session.cancelled()).toBe(0);
    expect(guard.explain(new DbqError('QUERY', 'boom')).message).toBe('boom');
  });

  it('refuses to commit what it had to cancel', async () => {
    const session = cancellableWork();
    const guard = guardDeadline(session, performance.now() + CANCEL_BEFORE_DEADLINE_MS + 10);
    // The statement finished just as the cancel went out: its result must still not be kept.
    const late = new Promise<string>((resolve) => setTimeout(() => resolve('rows'), 40));
    expect(await guard.watch(late)).toBe('rows');
    expect(() => guard.finish()).toThrow(/cancelled 1000 ms before the function's deadline/);
  });

  it('arms no timer without a deadline (a fetch from a caller that passes none)', async () => {
    const session = cancellableWork();
    const guard = guardDeadline(session, Infinity);
    const value = await guard.watch(new Promise<string>((resolve) => setTimeout(() => resolve('rows'), 30)));
    expect(value).toBe('rows');
    guard.finish();
    expect(session.cancelled()).toBe(0);
  });

  it('sets the database timeout after the guard, as a backstop', () => {
    expect(DATABASE_TIMEOUT_MARGIN_MS).toBeLessThan(CANCEL_BEFORE_DEADLINE_MS);
    expect(databaseTimeoutBudget(5_000)).toBe(5_000 - DATABASE_TIMEOUT_MARGIN_MS);
    expect(() => databaseTimeoutBudget(CANCEL_BEFORE_DEADLINE_MS + 50)).toThrow(
      'the function has no time left to run the statement',
    );
  });
});

/** Runs a long statement with little time left and checks it ends as an audited timeout before the deadline. */
async function expectTimeoutBeforeDeadline(handlers: RoleHandlers, role: Role, sql: string): Promise<void> {
  const remainingMs = 4_000;
  const began = performance.now();
  const invocation = await handlers.execute(role, sql, { timeoutMs: 300_000, remainingMs });
  const elapsed = performance.now() - began;
  const error = errorOf(invocation);
  expect(error.code).toBe('TIMEOUT');
  expect(error.message).toMatch(/cancelled 1000 ms before the function's deadline/);
  expect(elapsed).toBeLessThan(remainingMs);
  expect(invocation.events.map((event) => [event.event, event.decision, event.outcome ?? null])).toEqual([
    ['intent', 'allow', null],
    ['outcome', 'allow', 'timeout'],
  ]);
  expect(invocation.events[1]?.errorCode).toBe('TIMEOUT');
}

describe('a statement near the function deadline on PostgreSQL', () => {
  let db: TestPgDatabase;
  let handlers: RoleHandlers;

  beforeAll(async () => {
    db = await createPgDatabase();
    const user = { user: 'postgres' };
    handlers = createRoleHandlers({
      engine: 'postgres',
      host: '127.0.0.1',
      port: 5432,
      database: db.name,
      users: { read: user, write: user, admin: user },
      auth: 'password',
      tls: { mode: 'disable' },
    });
  });

  afterAll(async () => {
    await handlers?.shutdown();
    await db?.drop();
  });

  it('is cancelled in the database and audited as a timeout before Lambda would kill the function', async () => {
    await expectTimeoutBeforeDeadline(handlers, 'admin', 'SELECT pg_sleep(30)');
    const still = await db.query(
      "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND query LIKE 'SELECT pg_sleep%' AND state = 'active'",
    );
    expect(still.rows).toEqual([]);
  });

  it('is cancelled for a read too, with the protocol cancel request (no function privilege needed)', async () => {
    await expectTimeoutBeforeDeadline(
      handlers,
      'read',
      // 2.5e9 pairs counted in memory: long, and without temporary files.
      'SELECT count(*) FROM generate_series(1, 50000) AS a(n), generate_series(1, 50000) AS b(n)',
    );
  });

  it('leaves the function able to answer the next request', async () => {
    const invocation = await handlers.execute('admin', 'SELECT 1');
    expect(invocation.response.ok).toBe(true);
  });

  it("cancels the next page of a held cursor that would run past the fetch's deadline", async () => {
    const identity = { mode: 'local' as const, principal: 'local:user/test-read', role: 'read' as const };
    const user = { user: 'postgres' };
    const config = parseFunctionConfig({
      targets: {
        db: {
          engine: 'postgres',
          host: '127.0.0.1',
          port: 5432,
          database: db.name,
          users: { read: user },
          auth: 'password',
          tls: { mode: 'disable' },
        },
      },
      identity,
    });
    const events: AuditEvent[] = [];
    const runtime = new Runtime(
      config,
      localIdentityVerifier(identity),
      { write: (e) => events.push(e) },
      createDeployedEngine,
    );
    try {
      const caller = { principal: identity.principal, role: identity.role, target: runtime.target('db') };
      // Rows after the first page are slow to produce: the next fetch runs into its deadline.
      const sql = `SELECT g.n, (SELECT count(*) FROM generate_series(1, CASE WHEN g.n > 20 THEN 50000 ELSE 1 END) AS a(n),
        generate_series(1, CASE WHEN g.n > 20 THEN 50000 ELSE 1 END) AS b(n)) FROM generate_series(1, 40) AS g(n)`;
      const first = await executeStatement(
        runtime,
        new AuditTrail({ write: (e) => events.push(e) }, 'execute'),
        caller,
        { v: 1, op: 'execute', requestId: 'r1', sql, options: { pageRows: 10, timeoutMs: 300_000 } },
        60_000,
      );
      expect(first.cursor).not.toBeNull();
      const trail = new AuditTrail({ write: (e) => events.push(e) }, 'fetch');
      const failure = await fetchPage(
        runtime,
        trail,
        caller,
        { v: 1, op: 'fetch', requestId: 'r2', cursor: first.cursor ?? '', options: { pageRows: 30 } },
        2_500,
      ).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(DbqError);
      expect((failure as DbqError).code).toBe('TIMEOUT');
      expect((failure as DbqError).message).toMatch(/cancelled 1000 ms before the function's deadline/);
      // The cursor is gone and its session was not kept.
      const again = await fetchPage(
        runtime,
        new AuditTrail({ write: (e) => events.push(e) }, 'fetch2'),
        caller,
        { v: 1, op: 'fetch', requestId: 'r3', cursor: first.cursor ?? '' },
        60_000,
      ).catch((error: unknown) => error);
      expect((again as DbqError).code).toBe('CURSOR_EXPIRED');
    } finally {
      await runtime.shutdown();
    }
  });
});

describe('a statement near the function deadline on MariaDB', () => {
  let db: TestMariaDbDatabase;
  let handlers: RoleHandlers;

  beforeAll(async () => {
    db = await createMariaDbDatabase();
    handlers = createRoleHandlers(db.target());
  });

  afterAll(async () => {
    await handlers?.shutdown();
    await db?.drop();
  });

  it('is stopped with KILL QUERY and audited as a timeout before Lambda would kill the function', async () => {
    await expectTimeoutBeforeDeadline(handlers, 'admin', 'SELECT SLEEP(30)');
    const [rows] = (await db.root.query(
      "SELECT ID FROM information_schema.PROCESSLIST WHERE INFO LIKE 'SELECT SLEEP(30)%'",
    )) as unknown as [unknown[]];
    expect(rows).toEqual([]);
  });

  it('is stopped for a read too', async () => {
    await expectTimeoutBeforeDeadline(
      handlers,
      'read',
      // MariaDB's sequence engine: a long scan with no sleep or lock function in it.
      'SELECT count(*) FROM seq_1_to_100000000000 WHERE seq % 7 = 3',
    );
  });

  it('leaves the function able to answer the next request', async () => {
    const invocation = await handlers.execute('admin', 'SELECT 1');
    expect(invocation.response.ok).toBe(true);
  });
});
