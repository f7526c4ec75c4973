import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DbqError, type Cell } from '../../shared/protocol/index.js';
import { createMariaDbDatabase, type TestMariaDbDatabase } from '../helpers/mariadb.js';
import { startLocalStack, type LocalStack } from '../helpers/localStack.js';

async function failure(promise: Promise<unknown>): Promise<DbqError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DbqError);
  return error as DbqError;
}

async function collect(stack: LocalStack, sql: string, options = {}): Promise<Cell[][]> {
  const result = await stack.session.execute(sql, options);
  const rows: Cell[][] = [];
  for await (const page of result.pages()) rows.push(...page.rows);
  return rows;
}

describe('query handler on MariaDB through the local Invoke endpoint', () => {
  let db: TestMariaDbDatabase;
  let reader: LocalStack;
  let writer: LocalStack;

  beforeAll(async () => {
    db = await createMariaDbDatabase();
    await db.root.query(`CREATE TABLE vals (
      u BIGINT UNSIGNED, d DECIMAL(65,30), dt DATETIME(6), ts TIMESTAMP(3) NULL, b BIT(10), e ENUM('small','large'),
      s SET('a','b','c'), j JSON, blob_col BLOB, txt TEXT, f DOUBLE, tiny TINYINT(1))`);
    await db.root
      .query(`INSERT INTO vals VALUES (18446744073709551615, '12345678901234567890123456789012345.123456789012345678901234567890',
      '2024-02-29 23:59:59.123456', '2024-02-29 23:59:59.500', b'1000000001', 'large', 'a,c', '{"k": [1, 2]}',
      X'00FF10', 'こんにちは 🍣', 0.1, 1), (NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 'NULL', NULL, NULL)`);
    await db.root.query('CREATE TABLE items (id INT PRIMARY KEY, label VARCHAR(20))');
    await db.root.query("INSERT INTO items VALUES (1, 'one')");
    reader = await startLocalStack({ engine: 'mysql', dbUrl: db.url, role: 'read' });
    writer = await startLocalStack({ engine: 'mysql', dbUrl: db.url, role: 'write' });
  });

  afterAll(async () => {
    await reader?.stop();
    await writer?.stop();
    await db?.drop();
  });

  it('round-trips MySQL types without loss', async () => {
    const result = await reader.session.execute('SELECT * FROM vals ORDER BY txt DESC');
    const page = await result.fetchNextPage();
    const names = result.columns.map((c) => c.name);
    const first = Object.fromEntries(names.map((n, i) => [n, page?.rows[0]?.[i]]));
    expect(first).toEqual({
      u: '18446744073709551615',
      d: '12345678901234567890123456789012345.123456789012345678901234567890',
      dt: '2024-02-29T23:59:59.123456',
      ts: '2024-02-29T23:59:59.500+00:00',
      b: '1000000001',
      e: 'large',
      s: 'a,c',
      j: '{"k": [1, 2]}',
      blob_col: { base64: Buffer.from([0, 255, 16]).toString('base64') },
      txt: 'こんにちは 🍣',
      f: 0.1,
      tiny: 1,
    });
    expect(page?.rows[1]?.filter((cell) => cell !== null)).toEqual(['NULL']);
    const kinds = Object.fromEntries(result.columns.map((c) => [c.name, c.kind]));
    expect(kinds).toMatchObject({
      u: 'bigint',
      d: 'decimal',
      dt: 'timestamp',
      ts: 'timestamptz',
      b: 'bits',
      blob_col: 'bytes',
    });
  });

  it('pages 200,000 rows with a checksum equal to a direct query', async () => {
    await db.root.query('CREATE TABLE big (id INT PRIMARY KEY, h CHAR(32))');
    await db.root.query('INSERT INTO big SELECT seq, MD5(seq) FROM seq_1_to_200000');
    const viaDbq = createHash('sha256');
    let count = 0;
    const result = await reader.session.execute('SELECT id, h FROM big ORDER BY id', { pageRows: 9000 });
    for await (const page of result.pages()) {
      for (const row of page.rows) viaDbq.update(`${JSON.stringify(row)}\n`);
      count += page.rows.length;
    }
    const [rows] = await db.root.query({ sql: 'SELECT id, h FROM big ORDER BY id', rowsAsArray: true });
    const direct = createHash('sha256');
    for (const row of rows as Array<[number, string]>) direct.update(`${JSON.stringify(row)}\n`);
    expect(count).toBe(200_000);
    expect(viaDbq.digest('hex')).toBe(direct.digest('hex'));
  });

  it('keeps errno and SQL state on errors', async () => {
    // The policy's parser reads this; the server does not (what neither reads is refused: test/lambda/policy).
    const syntax = await failure(reader.session.execute('SELECT * FROM items LIMIT -1'));
    expect(syntax.code).toBe('SYNTAX');
    expect(syntax.fields.errno).toBe(1064);
    const missing = await failure(reader.session.execute('SELECT * FROM nowhere'));
    expect(missing).toMatchObject({ code: 'QUERY', fields: { errno: 1146, sqlstate: '42S02' } });
  });

  it('refuses multi-statements, including ones hidden behind MySQL comment rules', async () => {
    for (const sql of [
      'SELECT 1; DELETE FROM items',
      'SELECT 1 # comment\n; DELETE FROM items',
      'SELECT 1 /*! ; DELETE FROM items */',
    ]) {
      expect((await failure(writer.session.execute(sql))).code).toBe('DENIED');
    }
    const [rows] = await db.root.query('SELECT COUNT(*) AS n FROM items');
    expect(rows).toEqual([{ n: '1' }]);
  });

  it('refuses writes for the read role, in the policy and in the READ ONLY transaction', async () => {
    expect((await failure(reader.session.execute("INSERT INTO items VALUES (2, 'two')"))).code).toBe(
      'DENIED',
    );
    expect((await failure(reader.session.execute('DROP TABLE items'))).code).toBe('DENIED');
    expect((await failure(reader.session.execute('SELECT * FROM items FOR UPDATE'))).code).toBe('DENIED');
    // The policy sees the statement, not the view's definition: the READ ONLY transaction stops the write.
    await db.root.query(
      "CREATE FUNCTION hidden_insert() RETURNS INT MODIFIES SQL DATA BEGIN INSERT INTO items VALUES (99, 'hidden'); RETURN 1; END",
    );
    await db.root.query('CREATE VIEW hidden_write AS SELECT hidden_insert() AS n');
    const locked = await failure(reader.session.execute('SELECT * FROM hidden_write'));
    expect(locked.fields.errno).toBe(1792);
    const [hidden] = await db.root.query('SELECT COUNT(*) AS n FROM items WHERE id = 99');
    expect(hidden).toEqual([{ n: '0' }]);
  });

  it('commits a write for the write role and reports affected rows', async () => {
    const result = await writer.session.execute("INSERT INTO items VALUES (2, 'two'), (3, 'three')");
    expect(result.lastPage.affectedRows).toBe(2);
    expect(await collect(reader, 'SELECT label FROM items ORDER BY id')).toEqual([
      ['one'],
      ['two'],
      ['three'],
    ]);
  });

  it('audits every request with the engine and the outcome', async () => {
    const before = reader.auditEvents().length;
    await collect(reader, 'SELECT 1');
    await failure(reader.session.execute('SELECT * FROM nowhere'));
    const events = reader.auditEvents().slice(before);
    expect(events.map((e) => `${e.event}:${e.outcome ?? ''}`)).toEqual([
      'intent:',
      'outcome:ok',
      'intent:',
      'outcome:error',
    ]);
    expect(events[1]).toMatchObject({ engine: 'mysql', database: db.name, role: 'read', rowCount: 1 });
  });
});
