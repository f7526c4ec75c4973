import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DbqError } from '../../../shared/protocol/errors.js';
import { exportResult, exportRows, type ExportProgress } from '../../../src/export/exportResult.js';
import { createPgDatabase, type TestPgDatabase } from '../../helpers/postgres.js';
import { startLocalStack, type LocalStack } from '../../helpers/localStack.js';

describe('exporting a whole result to a file, through the local endpoint on PostgreSQL', () => {
  let db: TestPgDatabase;
  let stack: LocalStack;
  let dir: string;

  beforeAll(async () => {
    db = await createPgDatabase();
    await db.query('CREATE TABLE t (id int8, name text, note text, doc jsonb)');
    await db.query(
      `INSERT INTO t VALUES (1, 'a,b', NULL, '{"n": 12345678901234567890}'),
        (2, 'say "hi"', '', NULL), (9223372036854775807, '東京', E'line1\\nline2', '[]')`,
    );
    stack = await startLocalStack({ engine: 'postgres', dbUrl: db.url, role: 'read' });
    dir = mkdtempSync(join(tmpdir(), 'dbq-export-'));
  });

  afterAll(async () => {
    await stack?.stop();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes RFC 4180 CSV exactly: NULL empty, empty string quoted, big numbers and JSON verbatim', async () => {
    const path = join(dir, 't.csv');
    const summary = await exportResult({
      session: stack.session,
      sql: 'SELECT id, name, note, doc FROM t ORDER BY id',
      path,
      format: 'csv',
    });
    expect(readFileSync(path, 'utf8')).toBe(
      'id,name,note,doc\n' +
        '1,"a,b",,"{""n"": 12345678901234567890}"\n' +
        '2,"say ""hi""","",\n' +
        '9223372036854775807,東京,"line1\nline2",[]\n',
    );
    expect(summary).toEqual({ rows: 3, bytes: readFileSync(path).length, path });
  });

  it('streams a result of many pages with progress, byte for byte', async () => {
    const path = join(dir, 'many.csv');
    const progress: ExportProgress[] = [];
    const rows = 12_345;
    const summary = await exportResult({
      session: stack.session,
      sql: `SELECT g AS n, md5(g::text) AS h FROM generate_series(1, ${rows}) AS g`,
      path,
      format: 'csv',
      onProgress: (p) => progress.push(p),
    });
    const { createHash } = await import('node:crypto');
    let expected = 'n,h\n';
    for (let g = 1; g <= rows; g++) expected += `${g},${createHash('md5').update(String(g)).digest('hex')}\n`;
    expect(readFileSync(path, 'utf8')).toBe(expected);
    expect(summary.rows).toBe(rows);
    const last = progress[progress.length - 1];
    expect(last?.rows).toBe(rows);
    expect(last?.bytes).toBe(Buffer.byteLength(expected));
  });

  it('writes NDJSON and JSON when asked', async () => {
    const path = join(dir, 't.ndjson');
    await exportResult({
      session: stack.session,
      sql: 'SELECT id, doc FROM t WHERE id = 1',
      path,
      format: 'ndjson',
    });
    expect(readFileSync(path, 'utf8')).toBe('{"id":"1","doc":{"n": 12345678901234567890}}\n');
  });

  it('stops at once when cancelled, closes the cursor and removes the partial file', async () => {
    const path = join(dir, 'cancelled.csv');
    const abort = new AbortController();
    const pending = exportResult({
      session: stack.session,
      sql: 'SELECT g, repeat(md5(g::text), 8) FROM generate_series(1, 2000000) AS g',
      path,
      format: 'csv',
      signal: abort.signal,
      onProgress: (p) => {
        if (p.rows > 0) abort.abort();
      },
    });
    await expect(pending).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(existsSync(path)).toBe(false);
    const closes = stack.auditEvents().filter((e) => e.op === 'close');
    expect(closes.length).toBeGreaterThan(0);
  });

  it('reports a failing statement and leaves no file behind', async () => {
    const path = join(dir, 'failed.csv');
    const error: unknown = await exportResult({
      session: stack.session,
      sql: 'SELECT nope FROM t',
      path,
      format: 'csv',
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DbqError);
    expect(existsSync(path)).toBe(false);
  });

  it('writes rows already in hand for a statement that must not run twice', async () => {
    const path = join(dir, 'held.csv');
    const summary = await exportRows({
      columns: [{ name: 'id', type: 'int4', kind: 'int' }],
      rows: [[1], [null]],
      path,
      format: 'csv',
    });
    expect(readFileSync(path, 'utf8')).toBe('id\n1\n\n');
    expect(summary.rows).toBe(2);
  });
});
