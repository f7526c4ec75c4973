import { spawn, type ChildProcess } from 'node:child_process';

export interface Measured {
  ms: number;
  /** Peak resident set size in MiB. */
  peakMiB: number;
  stdout: string;
  stderr: string;
  code: number | null;
}

const MAXRSS = /\[maxrss-kb\] (\d+)/;
const GNU_TIME = /\[time-kb\] (\d+)/;

/** Peak RSS reported by bench/maxrss.mjs or GNU time in a process's stderr. */
export function peakFromStderr(stderr: string): number {
  const match = MAXRSS.exec(stderr) ?? GNU_TIME.exec(stderr);
  return match?.[1] ? Number(match[1]) / 1024 : Number.NaN;
}

/** Runs a command to completion, timing it and reading its peak memory (via GNU time). */
export function measure(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn('/usr/bin/time', ['-f', '[time-kb] %M', command, ...args], { env });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => {
      resolve({ ms: performance.now() - started, peakMiB: peakFromStderr(stderr), stdout, stderr, code });
    });
  });
}

/** Starts a long-running process and resolves once its stderr matches `ready`. */
export function startUntil(
  command: string,
  args: string[],
  ready: RegExp,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ child: ChildProcess; match: RegExpExecArray; stderr: () => string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (c: string) => {
      stderr += c;
      const match = ready.exec(stderr);
      if (match) resolve({ child, match, stderr: () => stderr });
    });
    child.on('exit', (code) => reject(new Error(`${command} exited ${code}: ${stderr}`)));
  });
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/** Times `psql \copy (sql) to 'file' csv header` against a PostgreSQL URL: the baseline every export is compared with. */
export async function measurePsqlCopy(pgUrl: string, sql: string, file: string): Promise<Measured> {
  const url = new URL(pgUrl);
  const run = await measure('psql', [
    '-h',
    url.hostname,
    '-p',
    url.port || '5432',
    '-U',
    url.username || 'postgres',
    '-d',
    url.pathname.slice(1),
    '-c',
    `\\copy (${sql}) to '${file}' csv header`,
  ]);
  if (run.code !== 0) throw new Error(`psql failed: ${run.stderr}`);
  return run;
}
