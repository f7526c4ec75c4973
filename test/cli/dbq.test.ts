import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgDatabase, type TestPgDatabase } from '../helpers/postgres.js';
import { startLocalStack, type LocalStack } from '../helpers/localStack.js';
import { DBQ_BIN, runDbq } from '../helpers/runDbq.js';

describe('dbq one-shot CLI against a local endpoint on PostgreSQL', () => {
  let db: TestPgDatabase;
  let stack: LocalStack;
  let dir: string;
  const target = (): string[] => ['--endpoint', stack.server.url, '--function', 'dbq-query'];

  beforeAll(async () => {
    db = await createPgDatabase();
    await db.query('CREATE TABLE t (id int, name text, note text)');
    await db.query(
      "INSERT INTO t VALUES (1, 'a,b', NULL), (2, 'say \"hi\"', ''), (3, '=1+1', 'line1\nline2')",
    );
    stack = await startLocalStack({ engine: 'postgres', dbUrl: db.url, role: 'write' });
    dir = mkdtempSync(join(tmpdir(), 'dbq-cli-'));
  });

  afterAll(async () => {
    await stack?.stop();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints RFC 4180 CSV with NULL as an empty field and the empty string quoted, and nothing on stderr', async () => {
    const run = await runDbq([
      ...target(),
      '--format',
      'csv',
      '-c',
      'SELECT id, name, note FROM t ORDER BY id',
    ]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('id,name,note\n1,"a,b",\n2,"say ""hi""",""\n3,=1+1,"line1\nline2"\n');
  });

  it('escapes spreadsheet formulas only when asked', async () => {
    const run = await runDbq([
      ...target(),
      '--format',
      'csv',
      '--csv-escape-formulas',
      '-c',
      'SELECT name FROM t WHERE id = 3',
    ]);
    expect(run.stdout).toBe("name\n'=1+1\n");
  });

  it('runs -c and -f statements in command-line order, splitting on semicolons', async () => {
    const file = join(dir, 'script.sql');
    writeFileSync(file, "-- a comment; not a statement\nSELECT 'f1' AS x;\nSELECT $$semi;colon$$ AS y;\n");
    const run = await runDbq([
      ...target(),
      '--format',
      'csv',
      '-c',
      "SELECT 'c1' AS x; SELECT 'c2' AS x",
      '-f',
      file,
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('x\nc1\nx\nc2\nx\nf1\ny\nsemi;colon\n');
  });

  it('reads statements from stdin when it is not a terminal', async () => {
    const run = await runDbq([...target(), '--format', 'ndjson'], {
      stdin: 'SELECT 1 AS one;\nSELECT 9223372036854775807::int8 AS big;',
    });
    expect(run.stdout).toBe('{"one":1}\n{"big":"9223372036854775807"}\n');
  });

  it('writes JSON to --output and keeps JSON columns verbatim', async () => {
    const out = join(dir, 'out.json');
    const run = await runDbq([
      ...target(),
      '--format',
      'json',
      '-o',
      out,
      '-c',
      `SELECT '{"n": 12345678901234567890}'::jsonb AS doc, NULL AS nothing`,
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('');
    expect(JSON.parse(readFileSync(out, 'utf8').replace('12345678901234567890', '"big"'))).toEqual([
      { doc: { n: 'big' }, nothing: null },
    ]);
    expect(readFileSync(out, 'utf8')).toContain('12345678901234567890');
  });

  it('prints tables with escaped control characters, so a cell cannot drive the terminal', async () => {
    const run = await runDbq([
      ...target(),
      '-c',
      "SELECT E'\\x1b]52;c;ZXZpbA==\\x07' AS clip, E'a\\rb' AS cr, '日本語' AS ja",
    ]);
    expect(run.code).toBe(0);
    for (const raw of ['\x1b', '\x07', '\r']) expect(run.stdout.includes(raw)).toBe(false);
    expect(run.stdout).toContain('\\e]52;c;ZXZpbA==\\a');
    expect(run.stdout).toContain('(1 row)');
  });

  it('reports an unreadable statement with a caret and stops at it', async () => {
    const run = await runDbq([
      ...target(),
      '--format',
      'csv',
      '-c',
      'SELECT 1 AS a',
      '-c',
      'SELECT * FORM t',
      '-c',
      'SELECT 2 AS b',
    ]);
    // The write role's policy refuses what its parser cannot read, before the database sees it.
    expect(run.code).toBe(3);
    expect(run.stdout).toBe('a\n1\n');
    const [first, line, caret] = run.stderr.split('\n');
    expect(first).toMatch(/^ERROR: .*syntax error at or near "FORM".*\(DENIED\)$/);
    expect(line).toBe('LINE 1: SELECT * FORM t');
    expect(caret).toBe('                 ^');
  });

  it('exits 2 on a usage error', async () => {
    const run = await runDbq(['--format', 'xml', '-c', 'select 1']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--format must be one of table, csv, json, ndjson/);
  });

  it('says CONNECTION and exits 1 when the endpoint is down', async () => {
    const run = await runDbq(['--endpoint', 'http://127.0.0.1:9', '-c', 'select 1']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/CONNECTION/);
  });

  it('uses the embedded demo database with no profile at all', async () => {
    const run = await runDbq(
      ['--format', 'csv', '-c', "SELECT name FROM customers WHERE country = 'JP' ORDER BY id LIMIT 1"],
      {
        env: { DBQ_CONFIG_DIR: join(dir, 'config') },
      },
    );
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe('name\n山田 太郎\n');
    const audit = readFileSync(join(dir, 'config', 'local', 'audit.jsonl'), 'utf8');
    expect(audit.split('\n').filter(Boolean)).toHaveLength(2);
  });

  it('serves the function with dbq local until interrupted', async () => {
    const child = spawn(
      process.execPath,
      [DBQ_BIN, 'local', '--engine', 'postgres', '--db-url', db.url, '--port', '0'],
      {
        env: { ...process.env, DBQ_CONFIG_DIR: join(dir, 'local-config') },
      },
    );
    let stderr = '';
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    const url = await new Promise<string>((resolve, reject) => {
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        stderr += chunk;
        const match = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr);
        if (match?.[1]) resolve(match[1]);
      });
      child.on('exit', () => reject(new Error(`dbq local exited: ${stderr}`)));
    });
    expect(stderr).toMatch(/role read/);
    const run = await runDbq(['--endpoint', url, '--format', 'csv', '-c', 'SELECT count(*) AS n FROM t']);
    expect(run.stdout).toBe('n\n3\n');
    const write = await runDbq(['--endpoint', url, '-c', 'DELETE FROM t']);
    expect(write.code).toBe(3);
    expect(write.stderr).toMatch(/DELETE is not a query: the read role runs .* \(DENIED\)/);
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(
      stdout
        .split('\n')
        .filter(Boolean)
        .map((line) => (JSON.parse(line) as { event: string }).event),
    ).toEqual(['intent', 'outcome', 'intent', 'outcome']);
  });
});
