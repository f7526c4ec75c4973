import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import React from 'react';
import { render } from 'ink-testing-library';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { builtInProfiles } from '../../../src/repl/connection.js';
import { FileHistoryStore } from '../../../src/repl/history.js';
import { ReplCore } from '../../../src/repl/replCore.js';
import { App } from '../../../src/ui/App.js';
import { ReplController } from '../../../src/ui/replController.js';
import { createPgDatabase, type TestPgDatabase } from '../../helpers/postgres.js';
import { startLocalStack, type LocalStack } from '../../helpers/localStack.js';

const KEYS = {
  enter: '\r',
  escape: '\x1b',
  down: '\x1b[B',
  pageDown: '\x1b[6~',
  right: '\x1b[C',
  ctrlC: '\x03',
  ctrlD: '\x04',
  ctrlR: '\x12',
  up: '\x1b[A',
};
const SIZE = { columns: 100, rows: 20 };
// eslint-disable-next-line no-control-regex -- only our own SGR codes may remain
const SGR = /\x1b\[[0-9;]*m/g;
const plain = (text: string | undefined): string => (text ?? '').replace(SGR, '');

describe('the REPL screen (ink-testing-library) against PostgreSQL through the local endpoint', () => {
  let db: TestPgDatabase;
  let stack: LocalStack;
  let dir: string;
  const mounted: { unmount(): void; controller: ReplController }[] = [];

  beforeAll(async () => {
    db = await createPgDatabase();
    await db.query('CREATE TABLE people (id int, name text, doc jsonb)');
    await db.query(
      `INSERT INTO people VALUES (1, 'Ada', '{"n": 12345678901234567890, "tags": ["a"]}'), (2, 'NULL', NULL), (3, NULL, '[]')`,
    );
    stack = await startLocalStack({ engine: 'postgres', dbUrl: db.url, role: 'write' });
    dir = mkdtempSync(join(tmpdir(), 'dbq-app-'));
  });

  afterEach(async () => {
    for (const app of mounted.splice(0)) {
      app.unmount();
      await app.controller.shutdown();
    }
  });

  afterAll(async () => {
    await stack?.stop();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  function mount() {
    const core = new ReplCore({
      profile: 'test',
      open: () => Promise.resolve({ session: stack.session, label: 'test', close: () => Promise.resolve() }),
      profiles: builtInProfiles(),
      historyFor: (profile) => new FileHistoryStore(join(dir, `${profile}.jsonl`)),
      readFile: (path) => Promise.resolve(readFileSync(path, 'utf8')),
      exportDir: join(dir, 'exports'),
    });
    const controller = new ReplController(core, SIZE);
    controller.start();
    const app = render(<App controller={controller} size={SIZE} />);
    core.start();
    mounted.push({ unmount: app.unmount, controller });
    const frame = (): string => plain(app.lastFrame());
    const until = async (condition: (frame: string) => boolean, what: string): Promise<string> => {
      const deadline = Date.now() + 15_000;
      while (!condition(frame())) {
        if (Date.now() > deadline)
          throw new Error(`timed out waiting for ${what}; the screen was:\n${frame()}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      return frame();
    };
    const type = (text: string): void => {
      app.stdin.write(text);
    };
    return { app, controller, core, frame, until, type };
  }

  /** The live area: the last lines of the frame (the transcript is printed above it). */
  const live = (frame: string): string[] => frame.split('\n').slice(-(SIZE.rows - 1));

  it('prints a small result like psql and returns to the prompt', async () => {
    const { type, until } = mount();
    await until((f) => f.includes('test · write'), 'the connection');
    type('SELECT id, name FROM people ORDER BY id;');
    type(KEYS.enter);
    const frame = await until((f) => f.includes('(3 rows)'), 'the result');
    expect(frame).toContain('test=> SELECT id, name FROM people ORDER BY id;');
    // Ink drops trailing spaces from each line.
    expect(frame).toContain('  1 │ Ada\n  2 │ NULL\n  3 │ <null>\n(3 rows)');
    expect(live(frame).some((line) => line.startsWith('test=> '))).toBe(true);
  });

  it('continues a statement on the next line until it ends with a semicolon', async () => {
    const { type, until } = mount();
    type('SELECT 40 +');
    type(KEYS.enter);
    await until((f) => f.includes('test-> '), 'the continuation prompt');
    type('2 AS answer;');
    type(KEYS.enter);
    const frame = await until((f) => f.includes('(1 row)'), 'the result');
    expect(frame).toContain('     42');
  });

  it('opens a long result in the viewer, scrolls past the first page and fetches more in the background', async () => {
    const { type, until, controller } = mount();
    type('SELECT g AS n, md5(g::text) AS hash FROM generate_series(1, 2500) AS g;');
    type(KEYS.enter);
    let frame = await until((f) => f.includes('1,000 fetched, more to come'), 'the viewer');
    const lines = live(frame);
    // The live area stays below the terminal height, so Ink never clears the screen.
    expect(lines.length).toBeLessThanOrEqual(SIZE.rows - 1);
    expect(frame).toContain('rows 1–15');
    for (let i = 0; i < 80; i++) type(KEYS.pageDown);
    frame = await until((f) => f.includes('rows 1,187–1,201'), 'scrolling past the first page');
    expect(frame).toContain(' 1201 │ ');
    type('G');
    frame = await until((f) => f.includes('of 2,500'), 'the end');
    expect(frame).toContain(' 2500 │ ');
    expect(controller.screenRows).toBe(15);
    type('q');
    frame = await until((f) => f.includes('(2,500 rows'), 'the summary');
  });

  it('shows the cursor row as a record with full values and JSON indented, digits kept', async () => {
    const { type, until } = mount();
    type("SELECT id, doc, repeat('x', 120) AS long FROM people ORDER BY id;");
    type(KEYS.enter);
    await until((f) => f.includes('rows 1–3 of 3'), 'the viewer');
    type(KEYS.enter);
    const frame = await until((f) => f.includes('Record 1 of 3'), 'the record view');
    expect(frame).toContain('"n": 12345678901234567890');
    expect(frame).toContain('"tags": [');
    expect(frame).toContain('x'.repeat(98));
    type(KEYS.right);
    await until((f) => f.includes('Record 2 of 3'), 'the next record');
    type('q');
    await until((f) => f.includes('rows 1–3 of 3'), 'the grid again');
  });

  it('draws hostile cells as visible escapes and keeps wide characters aligned', async () => {
    const { type, until, app } = mount();
    type("SELECT E'\\x1b[31mred' AS a, E'\\x1b]52;c;aGk=\\x07' AS b, E'a\\rb' AS c, '漢字テスト' AS d;");
    type(KEYS.enter);
    const frame = await until((f) => f.includes('(1 row)'), 'the result');
    expect(frame).toContain('\\e[31mred │ \\e]52;c;aGk=\\a │ a\\rb │ 漢字テスト');
    const raw = app.lastFrame() ?? '';
    expect(raw).not.toContain('\x1b]');
    expect(raw).not.toContain('\x1b[31m');
    expect(raw).not.toContain('\r');
  });

  it('shows a syntax error with a caret under the position', async () => {
    const { type, until } = mount();
    type('SELECT * FRM people;');
    type(KEYS.enter);
    const frame = await until((f) => f.includes('LINE 1:'), 'the error');
    expect(frame).toMatch(/ERROR: .*syntax error at or near "FRM"/);
    expect(frame).toContain('LINE 1: SELECT * FRM people');
    expect(frame).toContain('                 ^');
  });

  it('shows why a statement was denied', async () => {
    const { type, until } = mount();
    type('SELECT pg_sleep(1);');
    type(KEYS.enter);
    const frame = await until((f) => f.includes('(DENIED)'), 'the refusal');
    expect(frame).toMatch(/pg_sleep is not allowed for the write role/);
  });

  it('clears the input with Ctrl-C, recalls history with ↑ and quits with Ctrl-D on an empty line', async () => {
    const { type, until, controller } = mount();
    type('SELECT 7 AS seven;');
    type(KEYS.enter);
    await until((f) => f.includes('(1 row)'), 'the result');
    type('SELECT half');
    type(KEYS.ctrlC);
    await until((f) => !f.includes('SELECT half'), 'the cleared input');
    type(KEYS.up);
    await until(
      (f) => live(f).some((line) => line.startsWith('test=> SELECT 7 AS seven;')),
      'the recalled entry',
    );
    type(KEYS.ctrlC);
    let quit = false;
    void controller.quitRequested.then(() => (quit = true));
    type(KEYS.ctrlD);
    await until(() => quit, 'quitting');
  });

  it('prints the help generated from the key bindings', async () => {
    const { type, until } = mount();
    type('\\?');
    type(KEYS.enter);
    const frame = await until((f) => f.includes('Meta-commands:'), 'the help');
    expect(frame).toContain('\\export [FILE]');
    expect(frame).toContain('PgDn, Space, Ctrl-F');
  });

  it('exports the whole result with e and shows where it went', async () => {
    const { type, until } = mount();
    type('SELECT g AS n FROM generate_series(1, 3000) AS g;');
    type(KEYS.enter);
    await until((f) => f.includes('more to come'), 'the viewer');
    type('e');
    const frame = await until((f) => f.includes('Exported 3,000 rows'), 'the export');
    const files = readdirSync(join(dir, 'exports'));
    expect(files).toHaveLength(1);
    expect(frame).toContain(files[0]);
    const expected = ['n', ...Array.from({ length: 3000 }, (_, i) => String(i + 1))].join('\n') + '\n';
    expect(readFileSync(join(dir, 'exports', files[0] ?? ''), 'utf8')).toBe(expected);
  });

  it('cancels a running statement with Esc and keeps going', async () => {
    const { type, until } = mount();
    await until((f) => f.includes('test · write'), 'the connection');
    // A lock held elsewhere keeps the statement waiting on the server without using a CPU.
    await db.query('BEGIN');
    await db.query('LOCK TABLE people IN ACCESS EXCLUSIVE MODE');
    try {
      type('SELECT count(*) FROM people;');
      type(KEYS.enter);
      await until((f) => f.includes('running'), 'the running statement');
      type(KEYS.escape);
      await until((f) => f.includes('Cancelled: stopped waiting'), 'the cancellation');
    } finally {
      await db.query('ROLLBACK');
    }
    type('SELECT 5 AS five;');
    type(KEYS.enter);
    await until((f) => f.includes('(1 row)'), 'the next result');
  });

  it('inserts a bracketed paste whole and runs it only on Enter', async () => {
    const { type, until, frame } = mount();
    type('\x1b[200~SELECT 1 AS a;\rSELECT 2 AS b;\x1b[201~');
    await until((f) => f.includes('test-> SELECT 2 AS b;'), 'the pasted lines');
    expect(frame()).not.toContain('(1 row)');
    type(KEYS.enter);
    const screen = await until((f) => (f.match(/\(1 row\)/g) ?? []).length === 2, 'both results');
    expect(screen).toMatch(/ a *\n─+\n +1 *\n/);
    expect(screen).toMatch(/ b *\n─+\n +2 *\n/);
  });

  it('finds an earlier statement with Ctrl-R and runs it with Enter', async () => {
    const { type, until } = mount();
    type('SELECT 111 AS needle;');
    type(KEYS.enter);
    await until((f) => f.includes('(1 row)'), 'the first run');
    type(KEYS.ctrlR);
    type('needle');
    await until((f) => f.includes("(reverse-i-search)'needle'"), 'the search');
    type(KEYS.enter);
    await until((f) => (f.match(/\(1 row\)/g) ?? []).length === 2, 'the second run');
  });

  it('shows records expanded after \\x', async () => {
    const { type, until } = mount();
    type('\\x');
    type(KEYS.enter);
    await until((f) => f.includes('Expanded display is on.'), 'the setting');
    type('SELECT 1 AS one, 2 AS two;');
    type(KEYS.enter);
    const frame = await until((f) => f.includes('-[ RECORD 1 ]'), 'the expanded record');
    expect(frame).toContain('one │ 1');
    expect(frame).toContain('two │ 2');
  });

  it('cancels an export with Esc and leaves no file', async () => {
    const { type, until } = mount();
    type('SELECT g, repeat(md5(g::text), 4) AS filler FROM generate_series(1, 3000000) AS g;');
    type(KEYS.enter);
    await until((f) => f.includes('more to come'), 'the viewer');
    const before = readdirSync(join(dir, 'exports')).length;
    type('e');
    await until((f) => f.includes('Exporting ['), 'the progress bar');
    type(KEYS.escape);
    await until((f) => f.includes('Export cancelled; the partial file was removed.'), 'the cancellation');
    expect(readdirSync(join(dir, 'exports'))).toHaveLength(before);
  });

  it('runs a file with \\i, previewing long results instead of browsing them', async () => {
    const { type, until } = mount();
    const file = join(dir, 'script.sql');
    writeFileSync(file, 'SELECT 1 AS first;\nSELECT g FROM generate_series(1, 5000) AS g;\n');
    type(`\\i ${file}`);
    type(KEYS.enter);
    const frame = await until((f) => f.includes('rows shown; run the statement alone'), 'the preview');
    expect(frame).toContain('test=> SELECT 1 AS first');
    expect(frame).toContain('(1 row)');
    expect(frame).toMatch(/\(first 14 rows shown/);
    expect(frame).not.toContain('more to come');
  });

  it('re-lays out the viewer when the terminal is resized', async () => {
    const { type, until, app, controller } = mount();
    type('SELECT g FROM generate_series(1, 100) AS g;');
    type(KEYS.enter);
    await until((f) => f.includes('rows 1–15 of 100'), 'the viewer');
    app.rerender(<App controller={controller} size={{ columns: 60, rows: 12 }} />);
    await until((f) => f.includes('rows 1–7 of 100'), 'the smaller viewer');
  });
});
