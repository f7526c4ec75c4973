import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DbqError } from '../../../shared/protocol/errors.js';
import { builtInProfiles, type ReplConnection } from '../../../src/repl/connection.js';
import { FileHistoryStore } from '../../../src/repl/history.js';
import { parseMetaCommand } from '../../../src/repl/metaCommands.js';
import { ReplCore, type MetaOutcome, type StatementOutcome } from '../../../src/repl/replCore.js';
import { createPgDatabase, type TestPgDatabase } from '../../helpers/postgres.js';
import { startLocalStack, type LocalStack } from '../../helpers/localStack.js';

function rowsOf(outcome: StatementOutcome): unknown[][] {
  if (outcome.kind !== 'rows') throw new Error(`expected rows, got ${outcome.kind}`);
  return outcome.window.heldRowsList();
}

describe('the REPL core on PostgreSQL through the local endpoint', () => {
  let db: TestPgDatabase;
  let stack: LocalStack;
  let dir: string;
  const connection = (): ReplConnection => ({
    session: stack.session,
    label: 'test stack',
    close: async () => {},
  });

  function core(options: { open?: (profile: string) => Promise<ReplConnection> } = {}): ReplCore {
    return new ReplCore({
      profile: 'test',
      open: options.open ?? (() => Promise.resolve(connection())),
      profiles: builtInProfiles(),
      historyFor: (profile) => new FileHistoryStore(join(dir, 'history', `${profile}.jsonl`)),
      readFile: (path) => Promise.resolve(readFileSync(path, 'utf8')),
      exportDir: join(dir, 'exports'),
    });
  }

  beforeAll(async () => {
    db = await createPgDatabase();
    await db.query(
      'CREATE TABLE orders (id int PRIMARY KEY, total numeric(10,2) NOT NULL DEFAULT 0, note text)',
    );
    await db.query("INSERT INTO orders VALUES (1, 9.50, 'first'), (2, 20, NULL)");
    await db.query('CREATE SCHEMA sales');
    stack = await startLocalStack({ engine: 'postgres', dbUrl: db.url, role: 'write' });
    dir = mkdtempSync(join(tmpdir(), 'dbq-core-'));
    writeFileSync(join(dir, 'exports-placeholder'), '');
  });

  afterAll(async () => {
    await stack?.stop();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('connects in the background and reports the engine and role', async () => {
    const repl = core();
    const seen: string[] = [];
    repl.onStatus((status) => seen.push(status.kind));
    repl.start();
    await repl.session();
    expect(seen).toEqual(['connecting', 'ready']);
    expect(repl.status).toMatchObject({
      kind: 'ready',
      info: { engine: 'postgres', dialect: 'postgres', role: 'write' },
    });
  });

  it('makes a statement typed before the connection is ready wait for it', async () => {
    let release: (c: ReplConnection) => void = () => undefined;
    const repl = core({ open: () => new Promise((resolve) => (release = resolve)) });
    repl.start();
    const pending = repl.run('SELECT 42 AS answer');
    release(connection());
    expect(rowsOf(await pending)).toEqual([[42]]);
  });

  it('reports a failed connection and tries again on the next statement', async () => {
    let attempts = 0;
    const repl = core({
      open: () => {
        attempts++;
        return attempts === 1
          ? Promise.reject(new DbqError('CONNECTION', 'nobody home'))
          : Promise.resolve(connection());
      },
    });
    repl.start();
    await expect(repl.session()).rejects.toThrow();
    expect(repl.status).toMatchObject({ kind: 'failed', error: { message: 'nobody home' } });
    expect(rowsOf(await repl.run('SELECT 1'))).toEqual([[1]]);
    expect(attempts).toBe(2);
  });

  it('returns rows as a window and commands as their tag', async () => {
    const repl = core();
    const rows = await repl.run('SELECT id, total, note FROM orders ORDER BY id');
    expect(rowsOf(rows)).toEqual([
      [1, '9.50', 'first'],
      [2, '20.00', null],
    ]);
    const update = await repl.run("UPDATE orders SET note = 'x' WHERE id = 2");
    expect(update).toMatchObject({ kind: 'done', command: 'UPDATE', affectedRows: 1 });
  });

  it('stops waiting for a cancelled statement at once and keeps working', async () => {
    const repl = core();
    const abort = new AbortController();
    const pending = repl.run('SELECT pg_sleep(1)', abort.signal);
    abort.abort();
    await expect(pending).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(rowsOf(await repl.run('SELECT 2'))).toEqual([[2]]);
  });

  it('answers \\dt, \\d TABLE and \\dn from the catalog through the same path', async () => {
    const repl = core();
    const tables = (await repl.executeMeta(parseMetaCommand('\\dt'))) as Extract<
      MetaOutcome,
      { kind: 'results' }
    >;
    expect(tables.kind).toBe('results');
    expect(rowsOf(tables.items[0]!.outcome)).toEqual([['public', 'orders', 'table', 'postgres']]);
    const described = (await repl.executeMeta(parseMetaCommand('\\d orders'))) as Extract<
      MetaOutcome,
      { kind: 'results' }
    >;
    expect(rowsOf(described.items[0]!.outcome)).toEqual([
      ['id', 'integer', 'not null', null],
      ['total', 'numeric(10,2)', 'not null', '0'],
      ['note', 'text', '', null],
    ]);
    expect(rowsOf(described.items[1]!.outcome)).toEqual([
      ['orders_pkey', 'CREATE UNIQUE INDEX orders_pkey ON public.orders USING btree (id)'],
    ]);
    const schemas = (await repl.executeMeta(parseMetaCommand('\\dn'))) as Extract<
      MetaOutcome,
      { kind: 'results' }
    >;
    expect(rowsOf(schemas.items[0]!.outcome).map((row) => row[0])).toEqual(['public', 'sales']);
    const none = (await repl.executeMeta(parseMetaCommand('\\dt nothing*'))) as Extract<
      MetaOutcome,
      { kind: 'results' }
    >;
    expect(none.emptyMessage).toBe('Did not find any relations.');
    await expect(repl.executeMeta(parseMetaCommand('\\d "no such"'))).rejects.toMatchObject({
      code: 'QUERY',
    });
  });

  it('toggles settings and keeps the old connection when \\c fails', async () => {
    const repl = core({
      open: (profile) =>
        profile === 'test'
          ? Promise.resolve(connection())
          : Promise.reject(new DbqError('CONNECTION', `no ${profile}`)),
    });
    repl.start();
    await repl.session();
    expect(await repl.executeMeta(parseMetaCommand('\\x'))).toEqual({
      kind: 'message',
      tone: 'info',
      lines: ['Expanded display is on.'],
    });
    expect(repl.settings.expanded).toBe(true);
    await repl.executeMeta(parseMetaCommand('\\format ndjson'));
    expect(repl.settings.exportFormat).toBe('ndjson');
    const failed = await repl.executeMeta(parseMetaCommand('\\c other'));
    expect(failed).toMatchObject({ kind: 'message', tone: 'error' });
    expect(repl.status.kind).toBe('ready');
    const info = await repl.executeMeta(parseMetaCommand('\\conninfo'));
    expect(info.kind === 'message' && info.lines.some((line) => line.includes('role write'))).toBe(true);
  });

  it('reads \\i files into statements with the connection dialect', async () => {
    const repl = core();
    const file = join(dir, 'script.sql');
    writeFileSync(file, 'SELECT 1;\n-- note; not a statement\nSELECT $$a;b$$;\n');
    expect(await repl.executeMeta(parseMetaCommand(`\\i ${file}`))).toEqual({
      kind: 'include',
      statements: ['SELECT 1', '-- note; not a statement\nSELECT $$a;b$$'],
    });
    expect(await repl.executeMeta(parseMetaCommand(`\\i ${join(dir, 'missing.sql')}`))).toMatchObject({
      kind: 'message',
      tone: 'error',
    });
  });

  it('exports the last result in full to a new file named after the profile and table', async () => {
    const repl = core();
    await repl.run('SELECT id, note FROM orders ORDER BY id');
    const result = repl.lastExportable;
    expect(result).toMatchObject({ readOnly: true, rows: null });
    const summary = await repl.exportResult({ result: result!, path: `${join(dir, 'exports')}/` });
    expect(summary.path).toMatch(/exports\/test-\d{8}-\d{6}-orders\.csv$/);
    expect(readFileSync(summary.path, 'utf8')).toBe('id,note\n1,first\n2,x\n');
    const named = await repl.exportResult({ result: result!, path: join(dir, 'named.csv') });
    expect(named.path).toBe(join(dir, 'named.csv'));
    expect(readdirSync(join(dir, 'exports'))).toHaveLength(1);
  });

  it('remembers history per profile', async () => {
    const repl = core();
    await repl.loadHistory();
    repl.remember('SELECT 1;');
    repl.remember('SELECT 1;');
    repl.remember('SELECT\n2;');
    await repl.close();
    expect(await new FileHistoryStore(join(dir, 'history', 'test.jsonl')).load()).toEqual([
      'SELECT 1;',
      'SELECT\n2;',
    ]);
  });
});
