import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DbqError, type Cell } from '../../shared/protocol/index.js';
import { startLocalStack, type LocalStack } from '../helpers/localStack.js';

async function collect(stack: LocalStack, sql: string, options = {}): Promise<Cell[][]> {
  const result = await stack.session.execute(sql, options);
  const rows: Cell[][] = [];
  for await (const page of result.pages()) rows.push(...page.rows);
  return rows;
}

describe('query handler on embedded PostgreSQL (PGlite)', () => {
  let stack: LocalStack;

  beforeAll(async () => {
    stack = await startLocalStack({ engine: 'pglite' });
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('seeds the demo schema with Japanese text, NULLs and JSON', async () => {
    const rows = await collect(
      stack,
      "SELECT name, email, city, preferences FROM customers WHERE country = 'JP' ORDER BY id",
    );
    expect(rows[0]).toEqual([
      '山田 太郎',
      'taro.yamada@example.jp',
      '東京',
      '{"language": "ja", "newsletter": false}',
    ]);
    const nulls = await collect(stack, "SELECT email FROM customers WHERE name = 'José Martínez'");
    expect(nulls).toEqual([[null]]);
    const [[orders]] = (await collect(stack, 'SELECT count(*) FROM orders')) as [[Cell]];
    expect(orders).toBe('240');
  });

  it('round-trips the value codec like a PostgreSQL server does', async () => {
    const rows = await collect(
      stack,
      "SELECT 9223372036854775807::int8, 'NaN'::float8, '\\x00ff'::bytea, 'null'::jsonb, NULL::text, 'NULL', '2024-01-02 03:04:05.5+09'::timestamptz, ARRAY[1,NULL]",
    );
    expect(rows).toEqual([
      [
        '9223372036854775807',
        'NaN',
        { base64: 'AP8=' },
        'null',
        null,
        'NULL',
        '2024-01-01T18:04:05.5+00:00',
        '{1,NULL}',
      ],
    ]);
  });

  it('pages 200,000 rows with a checksum equal to the same query read at once', async () => {
    const sql = "SELECT g, 'row ' || g FROM generate_series(1, 200000) AS g";
    const paged = createHash('sha256');
    let count = 0;
    const result = await stack.session.execute(sql, { pageRows: 20_000 });
    for await (const page of result.pages()) {
      for (const row of page.rows) paged.update(`${JSON.stringify(row)}\n`);
      count += page.rows.length;
    }
    const whole = createHash('sha256');
    for (let g = 1; g <= 200_000; g += 1) whole.update(`${JSON.stringify([g, `row ${g}`])}\n`);
    expect(count).toBe(200_000);
    expect(paged.digest('hex')).toBe(whole.digest('hex'));
  });

  it('serves two interleaved results on its single session by resuming the one that was evicted', async () => {
    const a = await stack.session.execute('SELECT g FROM generate_series(1, 3000) g', { pageRows: 1000 });
    const b = await stack.session.execute('SELECT -g FROM generate_series(1, 3000) g', { pageRows: 1000 });
    const seenA: Cell[] = [];
    const seenB: Cell[] = [];
    for (;;) {
      const pa = await a.fetchNextPage();
      const pb = await b.fetchNextPage();
      if (pa) seenA.push(...pa.rows.map((r) => r[0] ?? null));
      if (pb) seenB.push(...pb.rows.map((r) => r[0] ?? null));
      if (!pa && !pb) break;
    }
    expect(seenA).toEqual(Array.from({ length: 3000 }, (_, i) => i + 1));
    expect(seenB).toEqual(Array.from({ length: 3000 }, (_, i) => -(i + 1)));
  });

  it('reports syntax errors with their position', async () => {
    const error = await stack.session.execute('SELECT * FROM customers WHERE').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DbqError);
    expect((error as DbqError).code).toBe('SYNTAX');
    expect((error as DbqError).fields.position).toBe(30);
  });

  it('answers a ping with the engine, role and server version', async () => {
    const ping = await stack.session.ping();
    expect(ping).toMatchObject({ engine: 'pglite', role: 'admin', target: 'local', database: 'demo' });
    expect(ping.serverVersion).toMatch(/^PostgreSQL \d+/);
  });
});
