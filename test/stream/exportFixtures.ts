import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, type Hash } from 'node:crypto';
import { createReadStream, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AuditEvent } from '../../lambda/audit.js';
import { DBQ_BIN } from '../helpers/runDbq.js';

/** The preload that prints a process's peak RSS at exit (`[maxrss-kb] N`). */
export const MAXRSS_HOOK = fileURLToPath(new URL('../../bench/maxrss.mjs', import.meta.url));
/** Rows per checksum block: the database hashes each block's CSV lines, the test hashes the file's. */
export const BLOCK_ROWS = 10_000;

const childEnv = (): NodeJS.ProcessEnv => {
  const env = { ...process.env };
  delete env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED;
  return env;
};

/** Peak resident memory in MiB from a process's stderr (printed by MAXRSS_HOOK). */
export function peakMiB(stderr: string): number {
  const match = /\[maxrss-kb\] (\d+)/.exec(stderr);
  return match?.[1] ? Number(match[1]) / 1024 : Number.NaN;
}

/**
 * The rows of the big exports: an id, a 32-character text, a text that is NULL, '' or needs quoting, and
 * a boolean. `line` is the same row as the CSV line dbq must write, built by the database itself.
 */
export function pgRowsQuery(rows: number, orderBy = false): string {
  return (
    `SELECT g AS id, md5(g::text) AS name, ` +
    `CASE WHEN g % 7 = 0 THEN NULL WHEN g % 7 = 1 THEN '' ELSE 'a,"b' || (g % 10) END AS note, ` +
    `g % 3 = 0 AS flag FROM generate_series(1, ${rows}) AS g${orderBy ? ' ORDER BY g' : ''}`
  );
}

/** Per block of BLOCK_ROWS rows: the MD5 of the CSV lines dbq must write, computed by PostgreSQL. */
export function pgBlockDigestsQuery(rows: number): string {
  const line =
    `g || ',' || md5(g::text) || ',' || ` +
    `CASE WHEN g % 7 = 0 THEN '' WHEN g % 7 = 1 THEN '""' ELSE '"a,""b' || (g % 10) || '"' END || ',' || ` +
    `CASE WHEN g % 3 = 0 THEN 't' ELSE 'f' END`;
  return (
    `SELECT (g - 1) / ${BLOCK_ROWS} AS block, count(*)::int AS rows, ` +
    `md5(string_agg(${line} || E'\\n', '' ORDER BY g)) AS digest ` +
    `FROM generate_series(1, ${rows}) AS g GROUP BY 1 ORDER BY 1`
  );
}

export function mariaRowsQuery(rows: number, orderBy = false): string {
  return (
    `SELECT seq AS id, MD5(seq) AS name, ` +
    `CASE WHEN seq % 7 = 0 THEN NULL WHEN seq % 7 = 1 THEN '' ELSE CONCAT('a,"b', seq % 10) END AS note, ` +
    `seq % 3 = 0 AS flag FROM seq_1_to_${rows}${orderBy ? ' ORDER BY seq' : ''}`
  );
}

export function mariaBlockDigestsQuery(rows: number): string {
  const line =
    `CONCAT(seq, ',', MD5(seq), ',', ` +
    `CASE WHEN seq % 7 = 0 THEN '' WHEN seq % 7 = 1 THEN '""' ELSE CONCAT('"a,""b', seq % 10, '"') END, ',', ` +
    `seq % 3 = 0)`;
  return (
    `SELECT (seq - 1) DIV ${BLOCK_ROWS} AS block, COUNT(*) AS \`rows\`, ` +
    `MD5(CONCAT(GROUP_CONCAT(${line} ORDER BY seq SEPARATOR '\\n'), '\\n')) AS digest ` +
    `FROM seq_1_to_${rows} GROUP BY 1 ORDER BY 1`
  );
}

export interface FileDigests {
  header: string;
  rows: number;
  digests: string[];
}

/** Reads an exported CSV: its header, its data row count, and the MD5 of each block of BLOCK_ROWS lines. */
export async function fileBlockDigests(path: string): Promise<FileDigests> {
  let header: string | null = null;
  let headerBytes: Buffer[] = [];
  let rows = 0;
  let inBlock = 0;
  let hash: Hash = createHash('md5');
  const digests: string[] = [];
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>) {
    let start = 0;
    if (header === null) {
      const end = chunk.indexOf(0x0a);
      if (end === -1) {
        headerBytes.push(chunk);
        continue;
      }
      header = Buffer.concat([...headerBytes, chunk.subarray(0, end)]).toString('utf8');
      headerBytes = [];
      start = end + 1;
    }
    let position = start;
    for (;;) {
      const end = chunk.indexOf(0x0a, position);
      if (end === -1) break;
      rows += 1;
      inBlock += 1;
      position = end + 1;
      if (inBlock === BLOCK_ROWS) {
        hash.update(chunk.subarray(start, position));
        digests.push(hash.digest('hex'));
        hash = createHash('md5');
        inBlock = 0;
        start = position;
      }
    }
    hash.update(chunk.subarray(start));
  }
  if (inBlock > 0) digests.push(hash.digest('hex'));
  return { header: header ?? '', rows, digests };
}

export interface Running {
  child: ChildProcess;
  url: string;
  /** The audit events the endpoint has written so far. */
  auditEvents(): AuditEvent[];
  stderr(): string;
  /** Stops it with SIGINT and resolves with its stderr (with its peak memory line). */
  stop(): Promise<string>;
}

/** Starts `dbq local` as its own process (with the peak-memory preload) and waits until it listens. */
export function startLocalEndpoint(engine: 'postgres' | 'mysql', dbUrl: string): Promise<Running> {
  const configDir = mkdtempSync(join(tmpdir(), 'dbq-endpoint-'));
  const auditFile = join(configDir, 'local', 'audit.jsonl');
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', MAXRSS_HOOK, DBQ_BIN, 'local', '--engine', engine, '--db-url', dbUrl, '--port', '0'],
      { env: { ...childEnv(), DBQ_CONFIG_DIR: configDir }, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    let ready = false;
    const exited = new Promise<void>((done) => child.once('exit', () => done()));
    child.stderr?.setEncoding('utf8').on('data', (text: string) => {
      stderr += text;
      const match = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr);
      if (match?.[1] && !ready) {
        ready = true;
        resolve({
          child,
          url: match[1],
          stderr: () => stderr,
          auditEvents: () =>
            existsSync(auditFile)
              ? readFileSync(auditFile, 'utf8')
                  .split('\n')
                  .filter((line) => line.length > 0)
                  .map((line) => JSON.parse(line) as AuditEvent)
              : [],
          stop: async () => {
            if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
            await exited;
            rmSync(configDir, { recursive: true, force: true });
            return stderr;
          },
        });
      }
    });
    child.once('exit', (code) => {
      if (!ready) reject(new Error(`dbq local exited ${code}: ${stderr}`));
    });
  });
}

export interface ExportRun {
  code: number | null;
  stderr: string;
  peakMiB: number;
}

/** Runs `dbq export` as its own process (with the peak-memory preload). */
export function runExport(
  args: string[],
  options: { timeoutMs?: number; onStart?: (child: ChildProcess) => void } = {},
): Promise<ExportRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', MAXRSS_HOOK, DBQ_BIN, 'export', ...args], {
      env: childEnv(),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    options.onStart?.(child);
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 240_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr, peakMiB: peakMiB(stderr) });
    });
  });
}

/** Waits until `check` holds, polling; fails after `timeoutMs`. */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export function md5(text: string): string {
  return createHash('md5').update(text).digest('hex');
}
