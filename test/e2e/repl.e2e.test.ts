import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgDatabase, type TestPgDatabase } from '../helpers/postgres.js';
import { DBQ_BIN } from '../helpers/runDbq.js';
import { TmuxTerminal } from './tmux.js';

/*
 * The REPL in a real terminal (tmux), driven as a person would: type a query, page past the first page,
 * press e, and check the exported file byte for byte. Deadlines are generous: the embedded PostgreSQL
 * takes seconds to start, more on a loaded machine.
 */

const STARTUP_MS = 120_000;

interface Workspace {
  dir: string;
  env: Record<string, string>;
  exports: string;
}

function workspace(): Workspace {
  const dir = mkdtempSync(join(tmpdir(), 'dbq-e2e-'));
  const exports = join(dir, 'exports');
  mkdirSync(exports);
  return {
    dir,
    exports,
    env: {
      HOME: dir,
      DBQ_CONFIG_DIR: join(dir, 'config'),
      DBQ_EXPORT_DIR: exports,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
  };
}

/** Pages down until the status line shows a first row past `row`. */
async function pageDownPast(terminal: TmuxTerminal, row: number): Promise<string> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const screen = await terminal.screen();
    const match = /rows ([\d,]+)–/.exec(screen);
    if (match && Number((match[1] ?? '0').replace(/,/g, '')) > row) return screen;
    if (Date.now() > deadline) throw new Error(`never got past row ${row}; the screen was:\n${screen}`);
    await terminal.press('PageDown', 'PageDown', 'PageDown', 'PageDown', 'PageDown');
  }
}

async function exportedFile(terminal: TmuxTerminal, exports: string, rows: string): Promise<string> {
  await terminal.type('e');
  await terminal.waitFor((s) => s.includes(`Exported ${rows} rows`), 'the export', 60_000);
  const files = readdirSync(exports);
  expect(files).toHaveLength(1);
  return readFileSync(join(exports, files[0] ?? ''), 'utf8');
}

describe('the REPL in a real terminal on the embedded demo database', () => {
  let ws: Workspace;
  let terminal: TmuxTerminal;

  beforeAll(() => {
    ws = workspace();
  });

  afterAll(async () => {
    await terminal?.kill();
    rmSync(ws.dir, { recursive: true, force: true });
  });

  it('opens the local profile, browses past the first page, exports with e, and quits', async () => {
    terminal = await TmuxTerminal.start({ argv: [process.execPath, DBQ_BIN], env: ws.env });
    let screen = await terminal.waitFor((s) => s.includes('local=>'), 'the prompt', STARTUP_MS);
    expect(screen).toContain('dbq profiles add NAME');
    await terminal.type("SELECT g AS n, 'row ' || g AS label FROM generate_series(1, 3000) AS g;");
    await terminal.press('Enter');
    // The statement waits for the embedded database if it is still starting.
    screen = await terminal.waitFor((s) => s.includes('more to come'), 'the results viewer', STARTUP_MS);
    expect(screen).toMatch(/ n │ label/);
    screen = await pageDownPast(terminal, 1000);
    // Keys queue up on a loaded machine, so the view may have gone well past row 1,000.
    expect(Math.max(...[...screen.matchAll(/row (\d+)/g)].map((m) => Number(m[1])))).toBeGreaterThan(1000);
    const csv = await exportedFile(terminal, ws.exports, '3,000');
    const expected =
      ['n,label', ...Array.from({ length: 3000 }, (_, i) => `${i + 1},row ${i + 1}`)].join('\n') + '\n';
    expect(csv).toBe(expected);
    await terminal.type('q');
    await terminal.waitFor(
      (s) => /\(3,000 rows|3,000\+? rows/.test(s) || s.includes('rows (more'),
      'the summary',
    );
    await terminal.type('\\q');
    await terminal.press('Enter');
    const deadline = Date.now() + 30_000;
    while (!(await terminal.exited())) {
      if (Date.now() > deadline) throw new Error(`dbq did not exit:\n${await terminal.screen()}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const history = readFileSync(join(ws.dir, 'config', 'history', 'local.jsonl'), 'utf8');
    expect(history).toContain('generate_series(1, 3000)');
  }, 240_000);
});

describe('the REPL in a real terminal on the local PostgreSQL through dbq local', () => {
  let db: TestPgDatabase;
  let ws: Workspace;
  let server: ChildProcess;
  let url: string;
  const terminals: TmuxTerminal[] = [];

  beforeAll(async () => {
    db = await createPgDatabase();
    await db.query(
      `CREATE TABLE items AS SELECT g AS id,
         CASE WHEN g % 7 = 0 THEN NULL WHEN g % 11 = 0 THEN '' ELSE 'item ' || g ||
           CASE WHEN g % 5 = 0 THEN ', with "quotes"' ELSE '' END END AS name,
         (g * 1.5)::numeric(12,2) AS price
       FROM generate_series(1, 2500) AS g`,
    );
    ws = workspace();
    server = spawn(
      process.execPath,
      [DBQ_BIN, 'local', '--engine', 'postgres', '--db-url', db.url, '--port', '0'],
      {
        env: { ...process.env, ...ws.env },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    url = await new Promise<string>((resolve, reject) => {
      let stderr = '';
      server.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
        stderr += chunk;
        const match = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr);
        if (match?.[1]) resolve(match[1]);
      });
      server.on('exit', () => reject(new Error(`dbq local exited: ${stderr}`)));
    });
  }, STARTUP_MS);

  afterAll(async () => {
    for (const terminal of terminals) await terminal.kill();
    if (server && server.exitCode === null) {
      const exited = new Promise((resolve) => server.on('exit', resolve));
      server.kill('SIGINT');
      await exited;
    }
    await db?.drop();
    rmSync(ws.dir, { recursive: true, force: true });
  });

  async function open(): Promise<TmuxTerminal> {
    const terminal = await TmuxTerminal.start({
      argv: [process.execPath, DBQ_BIN, '--endpoint', url],
      env: ws.env,
    });
    terminals.push(terminal);
    await terminal.waitFor((s) => /dbq-query · read · postgres/.test(s), 'the connection', STARTUP_MS);
    return terminal;
  }

  it('browses past the first page and exports the whole result with e, byte for byte', async () => {
    const terminal = await open();
    await terminal.type('SELECT id, name, price FROM items ORDER BY id;');
    await terminal.press('Enter');
    await terminal.waitFor((s) => s.includes('more to come'), 'the results viewer');
    const screen = await pageDownPast(terminal, 1000);
    const ids = [...screen.matchAll(/^ +(\d+) │ /gm)].map((m) => Number(m[1]));
    expect(Math.max(...ids)).toBeGreaterThan(1000);
    const csv = await exportedFile(terminal, ws.exports, '2,500');
    const lines = ['id,name,price'];
    for (let g = 1; g <= 2500; g++) {
      let name: string;
      if (g % 7 === 0) name = '';
      else if (g % 11 === 0) name = '""';
      else if (g % 5 === 0) name = `"item ${g}, with ""quotes"""`;
      else name = `item ${g}`;
      lines.push(`${g},${name},${(g * 1.5).toFixed(2)}`);
    }
    expect(csv).toBe(lines.join('\n') + '\n');
  }, 240_000);

  it('shows hostile cells as visible escapes: no colour, no title, no clipboard, CR shown, CJK aligned', async () => {
    const terminal = await open();
    await terminal.type(
      "SELECT E'\\x1b[31mred' AS esc, E'\\x1b]52;c;cHduZWQ=\\x07' AS osc52, E'\\x1b]0;pwned\\x07' AS title, " +
        "E'over\\rwrite' AS cr, '漢字テスト' AS cjk, 'x' AS after;",
    );
    await terminal.press('Enter');
    const screen = await terminal.waitFor((s) => s.includes('(1 row)'), 'the result');
    const lines = screen.split('\n');
    const header = lines.find((line) => line.startsWith(' esc ')) ?? '';
    const row = lines.find((line) => line.includes('red │')) ?? '';
    expect(row).toContain('\\e[31mred');
    expect(row).toContain('\\e]52;c;cHduZWQ=\\a');
    expect(row).toContain('\\e]0;pwned\\a');
    expect(row).toContain('over\\rwrite');
    expect(row).toContain('漢字テスト');
    // Wide characters take two columns: the column after them starts where the header says.
    const cellStart = (line: string, text: string): number => {
      const before = line.slice(0, line.indexOf(text));
      return [...before].reduce(
        (width, char) => width + (/[\u3000-\u9fff\uff00-\uffef]/.test(char) ? 2 : 1),
        0,
      );
    };
    expect(cellStart(row, ' x')).toBe(cellStart(header, ' after'));
    expect(await terminal.screen(true)).not.toContain('\x1b[31m');
    expect(await terminal.value('#{pane_title}')).not.toBe('pwned');
    expect(await terminal.buffers()).toBe('');
  }, 240_000);
});
