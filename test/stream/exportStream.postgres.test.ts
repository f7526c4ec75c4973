import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DbqError, type Cell, type Column, type ExportCompression } from '../../shared/protocol/index.js';
import { runStatement } from '../../src/cli/runStatements.js';
import type { ResultWriter } from '../../src/format/types.js';
import { ExportClient } from '../../src/stream/exportClient.js';
import { exportToFile, type ExportFormat } from '../../src/stream/fileExport.js';
import type { ExportProgress } from '../../src/stream/progress.js';
import { createPgDatabase, type TestPgDatabase } from '../helpers/postgres.js';
import { startLocalStack, type LocalStack } from '../helpers/localStack.js';
import { waitFor } from './exportFixtures.js';

/** Values whose text forms differ between formats: NULL vs '', quotes, line breaks, bytes, JSON, big numbers. */
const TRICKY = `SELECT id, label, n, big, raw, doc, at, flag FROM (VALUES
  (1, NULL::text, 1.50::numeric, 9223372036854775807::int8, '\\x00ff'::bytea, '{"a": 12345678901234567890}'::jsonb, '2024-02-29 23:59:59.5+05:30'::timestamptz, true),
  (2, '', -2.25, -1, NULL, 'null'::jsonb, NULL, false),
  (3, 'NULL', NULL, NULL, ''::bytea, NULL, '2024-01-01 00:00:00+00', NULL),
  (4, E'line\\nbreak, "quoted"\\r', 0, 0, '\\x41'::bytea, '[1, {"b": "x\\ny"}]'::jsonb, NULL, true),
  (5, '=SUM(A1)', -0.5, -42, NULL, '{}'::jsonb, NULL, false),
  (6, '-x', 3, 3, NULL, '"s"'::jsonb, NULL, false),
  (7, 'おはよう 🍣', 4, 4, NULL, NULL, NULL, true)
) AS t(id, label, n, big, raw, doc, at, flag) ORDER BY id`;

class CollectingSink extends Writable {
  text = '';
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.text += chunk.toString('utf8');
    callback();
  }
}

async function viaPages(
  stack: LocalStack,
  sql: string,
  format: ExportFormat,
  escapeFormulas = false,
): Promise<string> {
  const out = new CollectingSink();
  await runStatement(stack.session, sql, out, new CollectingSink(), {
    format,
    statement: { pageRows: 3 },
    formatOptions: { escapeFormulas },
  });
  return out.text;
}

async function failure(promise: Promise<unknown>): Promise<DbqError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof DbqError) return error;
    throw error;
  }
  throw new Error('expected the export to fail');
}

/** A writer that records rows and can stall or abort, standing in for a slow or interrupted file. */
class ProbeWriter implements ResultWriter {
  columns: Column[] = [];
  rows = 0;
  ended = false;
  constructor(private readonly onRows: (writer: ProbeWriter) => Promise<void> = () => Promise.resolve()) {}
  begin(columns: Column[]): Promise<void> {
    this.columns = columns;
    return Promise.resolve();
  }
  async writeRows(rows: Cell[][]): Promise<void> {
    this.rows += rows.length;
    await this.onRows(this);
  }
  end(): Promise<void> {
    this.ended = true;
    return Promise.resolve();
  }
}

describe('streaming export through the local endpoint (PostgreSQL)', () => {
  let db: TestPgDatabase;
  let reader: LocalStack;
  let writer: LocalStack;
  let dir: string;

  beforeAll(async () => {
    db = await createPgDatabase();
    await db.query('CREATE TABLE items (id int PRIMARY KEY, label text)');
    reader = await startLocalStack({ engine: 'postgres', dbUrl: db.url, role: 'read' });
    writer = await startLocalStack({ engine: 'postgres', dbUrl: db.url, role: 'write' });
    dir = mkdtempSync(join(tmpdir(), 'dbq-export-'));
  });

  afterAll(async () => {
    await reader?.stop();
    await writer?.stop();
    await db?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  for (const format of ['csv', 'ndjson', 'json'] as const) {
    for (const compression of ['br', 'gzip', 'none'] as const satisfies ExportCompression[]) {
      it(`writes ${format} (${compression} on the wire) exactly as the format writers do`, async () => {
        const path = join(dir, `tricky-${compression}.${format}`);
        const progress: ExportProgress[] = [];
        const result = await exportToFile({
          session: reader.session,
          sql: TRICKY,
          path,
          format,
          onProgress: (p) => progress.push(p),
          client: { compression },
        });
        expect(result.rows).toBe(7);
        expect(readFileSync(path, 'utf8')).toBe(await viaPages(reader, TRICKY, format));
        expect(existsSync(`${path}.partial`)).toBe(false);
        expect(progress.at(-1)).toMatchObject({ rows: 7, done: true, bytes: result.bytes });
      });
    }
  }

  it('escapes formulas in CSV exactly as the CSV writer does, sparing numeric columns', async () => {
    const path = join(dir, 'formulas.csv');
    await exportToFile({
      session: reader.session,
      sql: TRICKY,
      path,
      format: 'csv',
      formatOptions: { escapeFormulas: true },
    });
    expect(readFileSync(path, 'utf8')).toBe(await viaPages(reader, TRICKY, 'csv', true));
  });

  it('writes the header of an empty result, like the CSV writer', async () => {
    const path = join(dir, 'empty.csv');
    const sql = 'SELECT id, label FROM items WHERE false';
    await exportToFile({ session: reader.session, sql, path, format: 'csv' });
    expect(readFileSync(path, 'utf8')).toBe('id,label\n');
  });

  it('answers export on the plain Invoke entry with BAD_REQUEST: it needs response streaming', async () => {
    const error = await failure(
      reader.transport.send({ v: 1, op: 'export', requestId: 'plain-1', sql: 'SELECT 1' }),
    );
    expect(error.code).toBe('BAD_REQUEST');
    expect(error.message).toMatch(/use response streaming/);
  });

  it('refuses to export a statement that is not a query, even for the write role, and audits it', async () => {
    const path = join(dir, 'insert.csv');
    const sql = "INSERT INTO items VALUES (9, 'nine') RETURNING id";
    const error = await failure(exportToFile({ session: writer.session, sql, path, format: 'csv' }));
    expect(error.code).toBe('DENIED');
    expect(error.message).toMatch(/only queries .* can be exported/);
    expect(existsSync(path)).toBe(false);
    expect(existsSync(`${path}.partial`)).toBe(false);
    expect((await db.query('SELECT count(*)::int AS n FROM items')).rows[0]).toEqual({ n: 0 });
    const outcome = writer.auditEvents().find((event) => event.event === 'outcome' && event.sql === sql);
    expect(outcome).toMatchObject({ op: 'export', outcome: 'denied', decision: 'deny', errorCode: 'DENIED' });
  });

  it('never runs a write hidden in a query: the policy or the READ ONLY transaction refuses it', async () => {
    const sql = "WITH w AS (INSERT INTO items VALUES (10, 'ten') RETURNING id) SELECT id FROM w";
    const error = await failure(
      exportToFile({ session: writer.session, sql, path: join(dir, 'cte.csv'), format: 'csv' }),
    );
    expect(error.code === 'DENIED' || error.fields.sqlstate === '25006').toBe(true);
    expect((await db.query('SELECT count(*)::int AS n FROM items')).rows[0]).toEqual({ n: 0 });
  });

  it('reports a query error from the trailer and leaves no file', async () => {
    const path = join(dir, 'fails.csv');
    const sql = 'SELECT 1 / (g - 50000) FROM generate_series(1, 100000) AS g';
    const error = await failure(exportToFile({ session: reader.session, sql, path, format: 'csv' }));
    expect(error.fields.sqlstate).toBe('22012');
    expect(existsSync(path)).toBe(false);
    expect(existsSync(`${path}.partial`)).toBe(false);
  });

  it('stops the database cursor and audits the export as CANCELLED when the client aborts', async () => {
    const marker = `abort_${Date.now()}`;
    const sql = `SELECT g, md5(g::text) AS ${marker} FROM generate_series(1, 50000000) AS g`;
    const abort = new AbortController();
    const client = ExportClient.fromSession(reader.session);
    const probe = new ProbeWriter((w) => {
      if (w.rows >= 10_000) abort.abort();
      return Promise.resolve();
    });
    const error = await failure(client.exportRows(sql, probe, { signal: abort.signal }));
    client.close();
    expect(error.code).toBe('CANCELLED');
    expect(probe.ended).toBe(false);
    await waitFor(
      () => reader.auditEvents().some((e) => e.event === 'outcome' && e.sql === sql),
      30_000,
      'the outcome of the cancelled export',
    );
    const outcome = reader.auditEvents().find((e) => e.event === 'outcome' && e.sql === sql);
    expect(outcome).toMatchObject({ op: 'export', outcome: 'error', errorCode: 'CANCELLED' });
    await waitFor(
      async () =>
        (
          await db.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM pg_stat_activity WHERE query LIKE '%${marker}%' AND pid <> pg_backend_pid() AND state <> 'idle'`,
          )
        ).rows[0]?.n === 0,
      30_000,
      'the export backend to stop',
    );
  });

  it('holds the database cursor while the writer is stalled, and resumes when it drains', async () => {
    let release: () => void = () => undefined;
    const stalled = new Promise<void>((resolve) => (release = resolve));
    let stalledOnce = false;
    const probe = new ProbeWriter(async (w) => {
      if (w.rows >= 1000 && !stalledOnce) {
        stalledOnce = true;
        await stalled;
      }
    });
    const marker = `stall_${Date.now()}`;
    const sql = `SELECT g, repeat('x', 200) AS ${marker} FROM generate_series(1, 300000) AS g`;
    // Uncompressed: these rows compress so well that buffers on the way could hold all of them.
    const client = ExportClient.fromSession(reader.session, { compression: 'none' });
    const running = client.exportRows(sql, probe);
    // While the writer is stalled the function's response fills up and its loop stops asking the cursor
    // for rows: the backend waits for the next Execute (ClientRead) with the statement unfinished, poll
    // after poll. Without backpressure the function would have read all rows and closed the statement.
    let waiting = 0;
    await waitFor(
      async () => {
        const backend = await db.query<{ wait_event: string | null }>(
          `SELECT wait_event FROM pg_stat_activity WHERE query LIKE '%${marker}%' AND pid <> pg_backend_pid()`,
        );
        waiting = stalledOnce && backend.rows[0]?.wait_event === 'ClientRead' ? waiting + 1 : 0;
        return waiting >= 25;
      },
      30_000,
      'the export backend to wait for its reader',
    );
    expect(probe.rows).toBeLessThan(300_000);
    release();
    const summary = await running;
    client.close();
    expect(summary.rows).toBe(300_000);
    expect(probe.ended).toBe(true);
  });

  it('continues an ordered export across parts and stitches exactly the same rows', async () => {
    const sql = 'SELECT g, md5(g::text) FROM generate_series(1, 60000) AS g ORDER BY g';
    const path = join(dir, 'parts.ndjson');
    const result = await exportToFile({
      session: reader.session,
      sql,
      path,
      format: 'ndjson',
      client: { partBytes: 256 * 1024 },
    });
    expect(result.parts).toBeGreaterThan(3);
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(60_000);
    expect(lines.map((line) => (JSON.parse(line) as { g: number }).g)).toEqual(
      Array.from({ length: 60_000 }, (_, i) => i + 1),
    );
    const parts = reader.auditEvents().filter((e) => e.event === 'outcome' && e.sql === sql);
    expect(parts).toHaveLength(result.parts);
    expect(parts.every((e) => e.outcome === 'ok' && e.op === 'export' && e.readOnly === true)).toBe(true);
  });

  it('refuses to stitch parts when the re-run statement returns other rows at the boundary', async () => {
    const sql = 'SELECT md5(random()::text) FROM generate_series(1, 60000)';
    const error = await failure(
      exportToFile({
        session: reader.session,
        sql,
        path: join(dir, 'unordered.csv'),
        format: 'csv',
        client: { partBytes: 256 * 1024 },
      }),
    );
    expect(error.code).toBe('CURSOR_EXPIRED');
    expect(error.message).toMatch(/ORDER BY a unique key/);
  });
});
