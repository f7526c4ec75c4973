/**
 * REPL figures: over a 1,000,000-row result from the local PostgreSQL through a local endpoint, time to the
 * first rows on screen, keypress-to-frame time while scrolling (Ink rendering into a fake terminal), memory
 * while browsing and after reading the whole result, and time to a usable prompt for a fresh `dbq` in a
 * pseudo-terminal. Prints figures; asserts nothing.
 */
import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtInProfiles } from '../src/repl/connection.js';
import { FileHistoryStore } from '../src/repl/history.js';
import { ReplCore } from '../src/repl/replCore.js';
import { QuerySession } from '../src/session/querySession.js';
import { LambdaTransport } from '../src/transport/lambdaTransport.js';
import { median } from './proc.js';

const COLUMNS = 120;
const ROWS = 40;
const RESULT_ROWS = 1_000_000;
/** Key repeat runs at about 30 keys a second. */
const KEY_INTERVAL_MS = 33;

// eslint-disable-next-line no-control-regex -- reading frames written for a terminal
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07/g;

class FakeStdout extends EventEmitter {
  readonly columns = COLUMNS;
  readonly rows = ROWS;
  readonly isTTY = true;
  onWrite: (text: string) => void = () => undefined;
  write(chunk: string | Uint8Array): boolean {
    this.onWrite(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  }
}

class FakeStdin extends EventEmitter {
  readonly isTTY = true;
  private queue: string[] = [];
  setRawMode(): this {
    return this;
  }
  setEncoding(): this {
    return this;
  }
  ref(): this {
    return this;
  }
  unref(): this {
    return this;
  }
  resume(): this {
    return this;
  }
  pause(): this {
    return this;
  }
  read(): string | null {
    return this.queue.shift() ?? null;
  }
  send(data: string): void {
    this.queue.push(data);
    this.emit('readable');
  }
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? Number.NaN;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const mib = (bytes: number): string => (bytes / 1024 / 1024).toFixed(1);
const gc = (): void => (globalThis as { gc?: () => void }).gc?.();

function rowsQuery(rows: number): string {
  return (
    `SELECT g AS id, md5(g::text) AS name, (g % 100000) * 1.25 AS amount, ` +
    `timestamptz '2024-01-01 00:00:00+00' + g * interval '1 second' AS created_at, g % 3 = 0 AS flag ` +
    `FROM generate_series(1, ${rows}) AS g`
  );
}

/** Browsing a million rows in the Ink UI, in this process, against `endpoint`. */
async function browse(endpoint: string): Promise<void> {
  // Ink prints only static output when it believes it runs in CI; this measures the interactive path.
  delete process.env.CI;
  delete process.env.CONTINUOUS_INTEGRATION;
  const { runInteractive } = await import('../src/ui/runInteractive.js');
  const dir = mkdtempSync(join(tmpdir(), 'dbq-bench-repl-'));
  const transport = new LambdaTransport({ region: 'us-east-1', functionName: 'bench', endpoint });
  const core = new ReplCore({
    profile: 'bench',
    open: () =>
      Promise.resolve({ session: new QuerySession(transport), label: 'bench', close: async () => {} }),
    profiles: builtInProfiles(),
    historyFor: () => new FileHistoryStore(join(dir, 'history.jsonl')),
    readFile: () => Promise.reject(new Error('not used')),
    exportDir: dir,
  });
  const stdout = new FakeStdout();
  const stdin = new FakeStdin();
  let screen = '';
  let lastWrite = 0;
  stdout.onWrite = (text) => {
    // Cursor and synchronized-output sequences come as writes of their own; a frame has text.
    const shown = text.replace(ANSI, '');
    if (shown.trim() === '') return;
    lastWrite = performance.now();
    screen = shown;
  };
  const renderTimes: number[] = [];
  const report: string[] = [];
  const done = runInteractive(core, {
    stdin: stdin as unknown as NodeJS.ReadStream,
    stdout: stdout as unknown as NodeJS.WriteStream,
    stderr: stdout as unknown as NodeJS.WriteStream,
    size: { columns: COLUMNS, rows: ROWS },
    onRender: (ms) => renderTimes.push(ms),
  });
  const until = async (condition: () => boolean, what: string, timeoutMs = 120_000): Promise<void> => {
    const deadline = performance.now() + timeoutMs;
    while (!condition()) {
      if (performance.now() > deadline) throw new Error(`bench: timed out waiting for ${what}:\n${screen}`);
      await sleep(1);
    }
  };
  try {
    await until(() => core.status.kind === 'ready', 'the connection');
    gc();
    const baseline = process.memoryUsage();

    const started = performance.now();
    stdin.send(`${rowsQuery(RESULT_ROWS)};`);
    stdin.send('\r');
    await until(() => / 1 │ c4ca4238a0b923820dcc509a6f75849b/.test(screen), 'the first rows');
    const firstRows = performance.now() - started;
    await until(() => screen.includes('more to come'), 'the viewer');

    // Keypress to frame: the time from a key reaching Ink's stdin to the next frame written to the terminal.
    let peakRss = 0;
    let peakHeap = 0;
    const sample = (): void => {
      const usage = process.memoryUsage();
      peakRss = Math.max(peakRss, usage.rss);
      peakHeap = Math.max(peakHeap, usage.heapUsed);
    };
    const latencies: number[] = [];
    // CPU time per key as well: on a shared machine wall time also counts waiting for a core.
    const cpuTimes: number[] = [];
    renderTimes.length = 0;
    const keys = ['\x1b[6~', '\x1b[6~', '\x1b[6~', 'j', 'j', 'k', '\x1b[6~', '\x1b[C', '\x1b[D', '\x1b[6~'];
    for (let i = 0; i < 600; i++) {
      await sleep(KEY_INTERVAL_MS);
      const before = lastWrite;
      const cpu = process.cpuUsage();
      const sent = performance.now();
      stdin.send(keys[i % keys.length] ?? 'j');
      const deadline = sent + 1000;
      while (lastWrite === before && performance.now() < deadline) await sleep(0);
      if (lastWrite !== before) {
        latencies.push(lastWrite - sent);
        const used = process.cpuUsage(cpu);
        cpuTimes.push((used.user + used.system) / 1000);
      }
      if (i % 10 === 0) sample();
    }
    const scrolled = /rows ([\d,]+)–/.exec(screen)?.[1] ?? '?';
    gc();
    const afterScroll = process.memoryUsage();

    // The whole million rows through the window (End), memory sampled on the way. A fresh statement:
    // the function's held cursor lives only as long as the statement timeout (30 s by default).
    stdin.send('q');
    await until(() => screen.includes('bench=>'), 'the prompt');
    stdin.send(`${rowsQuery(RESULT_ROWS)};`);
    stdin.send('\r');
    await until(() => screen.includes('more to come'), 'the viewer again');
    const sampler = setInterval(sample, 50);
    const readStarted = performance.now();
    stdin.send('G');
    await until(() => screen.includes(`of ${RESULT_ROWS.toLocaleString('en-US')}`), 'the last row', 600_000);
    const readAll = performance.now() - readStarted;
    clearInterval(sampler);
    gc();
    const afterAll = process.memoryUsage();

    // Printed after Ink has let go of the console (it patches console.log while mounted).
    report.push(
      `REPL, ${RESULT_ROWS.toLocaleString('en-US')}-row result (${COLUMNS}x${ROWS} terminal): first rows on screen ${firstRows.toFixed(0)} ms`,
    );
    report.push(
      `  keypress to frame while scrolling (${latencies.length} keys, ${KEY_INTERVAL_MS} ms apart, down to row ${scrolled}): ` +
        `median ${median(latencies).toFixed(2)} ms, p95 ${percentile(latencies, 95).toFixed(2)} ms, max ${Math.max(...latencies).toFixed(1)} ms ` +
        `(CPU per key median ${median(cpuTimes).toFixed(2)} ms, p95 ${percentile(cpuTimes, 95).toFixed(2)} ms); ` +
        `Ink render time median ${median(renderTimes).toFixed(2)} ms, p95 ${percentile(renderTimes, 95).toFixed(2)} ms`,
    );
    report.push(
      `  memory: heap ${mib(baseline.heapUsed)} MiB before, ${mib(afterScroll.heapUsed)} MiB after scrolling, ` +
        `${mib(afterAll.heapUsed)} MiB after reading all rows (End, ${(readAll / 1000).toFixed(1)} s); ` +
        `peak while browsing: heap ${mib(peakHeap)} MiB, RSS ${mib(peakRss)} MiB`,
    );
    stdin.send('q');
    await until(() => screen.includes('bench=>'), 'the prompt');
    stdin.send('\x04');
    await done;
    for (const line of report) console.log(line);
  } finally {
    transport.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Preloaded into the measured dbq: when the prompt is first written it reports the process's own clock and
 * CPU time, which a loaded machine disturbs less than the wall clock seen from outside.
 */
const PROMPT_HOOK = `
const write = process.stdout.write.bind(process.stdout);
let seen = false;
process.stdout.write = (chunk, ...rest) => {
  if (!seen && String(chunk).includes('=>')) {
    seen = true;
    const cpu = process.cpuUsage();
    process.stderr.write('[prompt-at-ms] ' + performance.now().toFixed(0) + ' [prompt-cpu-ms] ' + ((cpu.user + cpu.system) / 1000).toFixed(0) + '\\n');
  }
  return write(chunk, ...rest);
};
`;

interface PromptTiming {
  /** From spawning the process to the prompt on the terminal. */
  wallMs: number;
  /** From the process's start to its first prompt write, by its own clock. */
  inProcessMs: number;
  cpuMs: number;
}

/** Time from starting `dbq` in a pseudo-terminal (script(1)) to its prompt on the screen. */
function timeToPrompt(argv: string[], env: NodeJS.ProcessEnv, prompt: string): Promise<PromptTiming> {
  return new Promise((resolve, reject) => {
    const command = argv.map((arg) => `'${arg.replace(/'/g, "'\\''")}'`).join(' ');
    const started = performance.now();
    const child = spawn('script', ['-qfec', command, '/dev/null'], {
      env: { ...env, COLUMNS: String(COLUMNS), LINES: String(ROWS) },
    });
    let output = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no prompt within 30 s:\n${output}`));
    }, 30_000);
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const shown = output.replace(ANSI, '');
      const hook = /\[prompt-at-ms\] (\d+) \[prompt-cpu-ms\] (\d+)/.exec(shown);
      if (shown.includes(prompt) && hook) {
        const wallMs = performance.now() - started;
        clearTimeout(timer);
        child.kill('SIGKILL');
        resolve({ wallMs, inProcessMs: Number(hook[1]), cpuMs: Number(hook[2]) });
      }
    });
    child.on('error', reject);
  });
}

async function startup(dbq: string, endpoint: string, env: NodeJS.ProcessEnv): Promise<void> {
  const runs = 7;
  const fresh: PromptTiming[] = [];
  const warm: PromptTiming[] = [];
  const remote: PromptTiming[] = [];
  const base = { ...env };
  delete base.CI;
  const hookDir = mkdtempSync(join(tmpdir(), 'dbq-bench-hook-'));
  const hook = join(hookDir, 'prompt.mjs');
  writeFileSync(hook, PROMPT_HOOK);
  try {
    for (let i = 0; i < runs; i++) {
      const dir = mkdtempSync(join(tmpdir(), 'dbq-bench-start-'));
      try {
        const local = { ...base, HOME: dir, DBQ_CONFIG_DIR: join(dir, 'config') };
        const node = [process.execPath, '--import', hook, dbq];
        fresh.push(await timeToPrompt(node, local, 'local=>'));
        warm.push(await timeToPrompt(node, local, 'local=>'));
        remote.push(await timeToPrompt([...node, '--endpoint', endpoint], local, 'dbq-query=>'));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  } finally {
    rmSync(hookDir, { recursive: true, force: true });
  }
  const show = (timings: PromptTiming[]): string =>
    `${median(timings.map((t) => t.wallMs)).toFixed(0)} ms ` +
    `(in process ${median(timings.map((t) => t.inProcessMs)).toFixed(0)} ms, CPU ${median(timings.map((t) => t.cpuMs)).toFixed(0)} ms)`;
  console.log(
    `  time to a usable prompt, fresh process in a pty (median of ${runs}): embedded demo ${show(fresh)} with a new ` +
      `data directory, ${show(warm)} with an existing one; remote profile (--endpoint) ${show(remote)}`,
  );
}

/** `npm run bench`: the REPL's figures against a running local endpoint on PostgreSQL. */
export async function replBench(options: {
  dbq: string;
  endpoint: string;
  env: NodeJS.ProcessEnv;
}): Promise<void> {
  await browse(options.endpoint);
  await startup(options.dbq, options.endpoint, options.env);
}
