import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import type pg from 'pg';
import { DbqError, type Cell } from '../../shared/protocol/index.js';
import { createPgDatabase, type TestPgDatabase } from '../helpers/postgres.js';
import { startLocalStack, type LocalStack } from '../helpers/localStack.js';

async function rowsOf(stack: LocalStack, sql: string, options = {}): Promise<Cell[][]> {
  const result = await stack.session.execute(sql, options);
  const rows: Cell[][] = [];
  for await (const page of result.pages()) rows.push(...page.rows);
  return rows;
}

async function failure(promise: Promise<unknown>): Promise<DbqError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof DbqError) return error;
    throw error;
  }
  throw new Error('expected the request to fail');
}

describe('query handler on PostgreSQL through the local Invoke endpoint', () => {
  let db: TestPgDatabase;
  let admin: LocalStack;
  let reader: LocalStack;

  beforeAll(async () => {
    db = await createPgDatabase();
    await db.query('CREATE TABLE items (id int PRIMARY KEY, label text)');
    await db.query("INSERT INTO items VALUES (1, 'one'), (2, 'two')");
    admin = await startLocalStack({ engine: 'postgres', dbUrl: db.url, role: 'admin' });
    reader = await startLocalStack({ engine: 'postgres', dbUrl: db.url, role: 'read' });
  });

  afterAll(async () => {
    await admin?.stop();
    await reader?.stop();
    await db?.drop();
  });

  it('round-trips every value type without loss', async () => {
    const result = await reader.session.execute(`SELECT
      9223372036854775807::int8 AS i8, (-9223372036854775807 - 1)::int8 AS i8min, 32767::int2 AS i2,
      2147483647 AS i4, 12345678901234567890.123456789012345678901234567890::numeric AS num,
      'NaN'::numeric AS num_nan, 'NaN'::float8 AS f_nan, 'Infinity'::float8 AS f_inf,
      '-Infinity'::float8 AS f_ninf, 0.1::float8 AS f8, 1.5::float4 AS f4, true AS b, false AS bf,
      '\\x00ff10'::bytea AS bytes, '{"a": 12345678901234567890, "b": [1, null]}'::jsonb AS jb,
      'null'::jsonb AS jnull, '{"z":1,  "a":2}'::json AS j, ARRAY[1, NULL, 3] AS arr,
      ARRAY['a', NULL, 'NULL', 'x,y'] AS tarr, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid AS u,
      '2024-02-29 23:59:59.123456+05:30'::timestamptz AS tstz, '2024-02-29 23:59:59.123456'::timestamp AS ts,
      'infinity'::timestamptz AS tinf, '2024-02-29'::date AS d, '13:14:15.5'::time AS t,
      '13:14:15+02'::timetz AS ttz, interval '1 year 2 mons 3 days 04:05:06.7' AS iv, B'1010'::bit(4) AS bits,
      NULL::text AS null_text, 'NULL' AS null_string, '' AS empty, 'おはよう 🍣' AS ja, 12.50::numeric(10,2) AS money`);
    const page = await result.fetchNextPage();
    const row = Object.fromEntries(result.columns.map((c, i) => [c.name, page?.rows[0]?.[i]]));
    expect(row).toEqual({
      i8: '9223372036854775807',
      i8min: '-9223372036854775808',
      i2: 32767,
      i4: 2147483647,
      num: '12345678901234567890.123456789012345678901234567890',
      num_nan: 'NaN',
      f_nan: 'NaN',
      f_inf: 'Infinity',
      f_ninf: '-Infinity',
      f8: 0.1,
      f4: 1.5,
      b: true,
      bf: false,
      bytes: { base64: Buffer.from([0x00, 0xff, 0x10]).toString('base64') },
      jb: '{"a": 12345678901234567890, "b": [1, null]}',
      jnull: 'null',
      j: '{"z":1,  "a":2}',
      arr: '{1,NULL,3}',
      tarr: '{a,NULL,"NULL","x,y"}',
      u: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
      tstz: '2024-02-29T18:29:59.123456+00:00',
      ts: '2024-02-29T23:59:59.123456',
      tinf: 'infinity',
      d: '2024-02-29',
      t: '13:14:15.5',
      ttz: '13:14:15+02',
      iv: '1 year 2 mons 3 days 04:05:06.7',
      bits: '1010',
      null_text: null,
      null_string: 'NULL',
      empty: '',
      ja: 'おはよう 🍣',
      money: '12.50',
    });
    const kinds = Object.fromEntries(result.columns.map((c) => [c.name, `${c.type}/${c.kind}`]));
    expect(kinds).toMatchObject({
      i8: 'int8/bigint',
      num: 'numeric/decimal',
      bytes: 'bytea/bytes',
      jb: 'jsonb/json',
      arr: 'int4[]/array',
      tstz: 'timestamptz/timestamptz',
      money: 'numeric(10,2)/decimal',
      bits: 'bit(4)/bits',
    });
  });

  it('names user-defined types from the catalog', async () => {
    await db.query("CREATE TYPE mood AS ENUM ('ok', 'happy')");
    const result = await reader.session.execute("SELECT 'happy'::mood AS m");
    expect(result.columns[0]).toEqual({ name: 'm', type: 'mood', kind: 'enum' });
  });

  it('pages 200,000 rows so that the concatenated pages equal a direct query', async () => {
    const sql = 'SELECT g, md5(g::text) AS h, g * 1.5 AS x FROM generate_series(1, 200000) AS g ORDER BY g';
    const viaDbq = createHash('sha256');
    const result = await reader.session.execute(sql, { pageRows: 7000, pageBytes: 200_000 });
    let pages = 0;
    let count = 0;
    for await (const page of result.pages()) {
      pages += 1;
      expect(page.rowOffset).toBe(count);
      for (const row of page.rows) viaDbq.update(`${JSON.stringify(row)}\n`);
      count += page.rows.length;
    }
    const direct = createHash('sha256');
    const rows = await db.query({
      text: sql,
      rowMode: 'array',
      types: { getTypeParser: () => (v: string) => v },
    } as pg.QueryConfig);
    for (const row of rows.rows as unknown as string[][])
      direct.update(`${JSON.stringify([Number(row[0]), row[1], row[2]])}\n`);
    expect(count).toBe(200_000);
    expect(pages).toBeGreaterThan(28);
    expect(viaDbq.digest('hex')).toBe(direct.digest('hex'));
  });

  it('resumes a read whose cursor was lost by re-running it read-only and skipping seen rows', async () => {
    const sql = 'SELECT g FROM generate_series(1, 2500) AS g ORDER BY g';
    const result = await reader.session.execute(sql, { pageRows: 1000 });
    const first = await result.fetchNextPage();
    expect(first?.cursor).toBeTruthy();
    await reader.session.closeCursor(first?.cursor ?? '');
    const rest: Cell[] = [];
    for await (const page of result.pages()) rest.push(...page.rows.map((r) => r[0] ?? null));
    expect(rest[0]).toBe(1001);
    expect(rest.at(-1)).toBe(2500);
    expect(rest).toHaveLength(1500);
  });

  it('resumes a held read whose statement timeout ran out while the reader paused', async () => {
    const result = await reader.session.execute('SELECT g FROM generate_series(1, 100) AS g ORDER BY g', {
      pageRows: 10,
      timeoutMs: 400,
    });
    const first = await result.fetchNextPage();
    expect(first?.rows).toHaveLength(10);
    // The reader looks away for longer than the statement timeout: that is the scenario under test.
    await new Promise((resolve) => setTimeout(resolve, 800));
    const rest: Cell[] = [];
    for await (const page of result.pages()) rest.push(...page.rows.map((r) => r[0] ?? null));
    expect(rest).toEqual(Array.from({ length: 90 }, (_, i) => i + 11));
  });

  it('refuses a fetch of an unknown cursor with CURSOR_EXPIRED', async () => {
    const error = await failure(reader.session.fetch('no-such-cursor', {}));
    expect(error.code).toBe('CURSOR_EXPIRED');
  });

  it('keeps SQLSTATE and position for syntax and query errors', async () => {
    // The read role never sends what PostgreSQL's parser rejects (see test/lambda/policy); admin may.
    const syntax = await failure(admin.session.execute('SELECT * FROM WHERE'));
    expect(syntax.code).toBe('SYNTAX');
    expect(syntax.fields).toMatchObject({ sqlstate: '42601', position: 15 });
    const typo = await failure(admin.session.execute('SELEC 1'));
    expect(typo.code).toBe('SYNTAX');
    expect(typo.fields).toMatchObject({ sqlstate: '42601', position: 1 });
    const missing = await failure(reader.session.execute('SELECT * FROM nowhere'));
    expect(missing.code).toBe('QUERY');
    expect(missing.fields).toMatchObject({ sqlstate: '42P01', position: 15 });
    const detail = await failure(admin.session.execute("INSERT INTO items VALUES (1, 'dup')"));
    expect(detail.fields.sqlstate).toBe('23505');
    expect(detail.fields.detail).toContain('already exists');
  });

  it('refuses more than one statement per request', async () => {
    const error = await failure(admin.session.execute('SELECT 1; DELETE FROM items'));
    expect(error.code).toBe('DENIED');
    expect(error.message).toMatch(/one statement per request/);
    expect((await db.query('SELECT count(*)::int AS n FROM items')).rows[0]).toEqual({ n: 2 });
  });

  it('refuses statements other than queries for the read role', async () => {
    for (const sql of [
      "INSERT INTO items VALUES (9, 'nine')",
      'CREATE TABLE sneaky (a int)',
      'EXPLAIN ANALYZE DELETE FROM items',
    ]) {
      const error = await failure(reader.session.execute(sql));
      expect(error.code).toBe('DENIED');
    }
    expect((await db.query('SELECT count(*)::int AS n FROM items')).rows[0]).toEqual({ n: 2 });
  });

  it('runs the read role in a READ ONLY transaction, so a write hidden behind a view fails in the database', async () => {
    for (const sql of [
      'WITH gone AS (DELETE FROM items RETURNING *) SELECT * FROM gone',
      "SELECT set_config('default_transaction_read_only', 'off', false), nextval('items_seq')",
    ]) {
      expect((await failure(reader.session.execute(sql))).code).toBe('DENIED');
    }
    // The policy sees the statement, not the view's definition: the READ ONLY transaction stops the write.
    await db.query(
      "CREATE FUNCTION hidden_delete() RETURNS bigint LANGUAGE sql AS 'WITH d AS (DELETE FROM items RETURNING 1) SELECT count(*) FROM d'",
    );
    await db.query('CREATE VIEW hidden_write AS SELECT hidden_delete() AS n');
    const write = await failure(reader.session.execute('SELECT * FROM hidden_write'));
    expect(write.fields.sqlstate).toBe('25006');
    expect((await db.query('SELECT count(*)::int AS n FROM items')).rows[0]).toEqual({ n: 2 });
  });

  it('runs a writable CTE for a write-capable role and commits it', async () => {
    const rows = await rowsOf(
      admin,
      "WITH added AS (INSERT INTO items VALUES (3, 'three') RETURNING id) SELECT id FROM added",
    );
    expect(rows).toEqual([[3]]);
    const result = await admin.session.execute("UPDATE items SET label = 'THREE' WHERE id = 3");
    expect(result.lastPage.affectedRows).toBe(1);
    expect(result.lastPage.readOnly).toBe(false);
    expect((await db.query('SELECT label FROM items WHERE id = 3')).rows[0]).toEqual({ label: 'THREE' });
  });

  it('enforces the statement timeout inside the database', async () => {
    // pg_sleep is refused to the read role (denial of service); admin may call it.
    const error = await failure(admin.session.execute('SELECT pg_sleep(5)', { timeoutMs: 200 }));
    expect(error.code).toBe('TIMEOUT');
    expect(error.fields.sqlstate).toBe('57014');
  });

  it('reuses its session across invocations and replaces one that was killed', async () => {
    const pid = async (): Promise<Cell | undefined> =>
      (await rowsOf(reader, 'SELECT pg_backend_pid()'))[0]?.[0];
    const first = await pid();
    expect(await pid()).toBe(first);
    await db.query('SELECT pg_terminate_backend($1)', [first]);
    const replaced = await pid();
    expect(replaced).not.toBe(first);
    expect(typeof replaced).toBe('number');
  });

  it('resets session state between requests on a reused session', async () => {
    await rowsOf(admin, 'SET search_path TO pg_catalog');
    expect(await rowsOf(admin, 'SHOW search_path')).toEqual([['"$user", public']]);
  });

  it('writes an intent and an outcome audit event for every request, failures included', async () => {
    const before = reader.auditEvents().length;
    await rowsOf(reader, 'SELECT 1 AS audited');
    await failure(reader.session.execute('SELECT * FROM nowhere'));
    await failure(reader.session.execute('SELECT 1; SELECT 2'));
    const events = reader.auditEvents().slice(before);
    expect(events).toHaveLength(6);
    const byId = new Map<string, string[]>();
    for (const event of events) byId.set(event.auditId, [...(byId.get(event.auditId) ?? []), event.event]);
    expect([...byId.values()]).toEqual([
      ['intent', 'outcome'],
      ['intent', 'outcome'],
      ['intent', 'outcome'],
    ]);
    const outcomes = events.filter((e) => e.event === 'outcome');
    expect(outcomes.map((e) => e.outcome)).toEqual(['ok', 'error', 'denied']);
    expect(outcomes[0]).toMatchObject({
      principal: expect.stringMatching(/^local:user\//) as unknown,
      role: 'read',
      engine: 'postgres',
      database: db.name,
      sql: 'SELECT 1 AS audited',
      sqlSha256: createHash('sha256').update('SELECT 1 AS audited').digest('hex'),
      rowCount: 1,
    });
    expect(outcomes[1]).toMatchObject({ errorCode: 'QUERY', sqlstate: '42P01' });
    expect(outcomes[2]).toMatchObject({ decision: 'deny', errorCode: 'DENIED' });
    expect(
      events.find((e) => e.event === 'intent' && e.outcome === undefined && e.decision === 'deny'),
    ).toBeTruthy();
  });

  it('answers malformed payloads with BAD_REQUEST and audits each one', async () => {
    const client = new LambdaClient({
      region: 'us-east-1',
      endpoint: reader.server.url,
      credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
      maxAttempts: 1,
    });
    const before = reader.auditEvents().length;
    const payloads = [
      '{}',
      '[]',
      '"select 1"',
      'null',
      '{"v":2,"op":"execute","requestId":"r","sql":"select 1"}',
      '{"v":1,"op":"execute","requestId":"r"}',
      '{"v":1,"op":"execute","requestId":"r","sql":"select 1","extra":true}',
      '{"v":1,"op":"drop","requestId":"r"}',
      JSON.stringify({ v: 1, op: 'execute', requestId: 'r', sql: 'x'.repeat(1024 * 1024 + 1) }),
    ];
    for (const payload of payloads) {
      const out = await client.send(new InvokeCommand({ FunctionName: 'f', Payload: Buffer.from(payload) }));
      expect(out.FunctionError).toBeUndefined();
      const response = JSON.parse(Buffer.from(out.Payload ?? []).toString()) as {
        ok: boolean;
        error: { code: string };
      };
      expect(response.ok).toBe(false);
      expect(response.error.code).toBe('BAD_REQUEST');
    }
    const events = reader.auditEvents().slice(before);
    expect(events).toHaveLength(payloads.length * 2);
    expect(events.filter((e) => e.event === 'outcome').every((e) => e.outcome === 'denied')).toBe(true);
    client.destroy();
  });

  it('never writes secrets to the audit log', () => {
    const text = JSON.stringify(reader.auditEvents());
    expect(text).not.toMatch(/password|secretAccessKey|X-Amz-Signature/i);
  });
});
