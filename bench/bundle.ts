/**
 * Figures for the deployed Lambda bundle: its zipped size, its module init time and the time of a first
 * statement, each in a fresh Node.js process as a Lambda cold start would see it. Used by `npm run bench` and
 * by the bundle tests (which assert contents and size, never timings).
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { deflateRawSync } from 'node:zlib';
import type { Metafile } from 'esbuild';
import { median } from './proc.js';

export interface LambdaBundle {
  /** The directory that becomes the function's package. */
  dir: string;
  file: string;
  metafile: Metafile;
}

/** Runs `scripts/bundle-lambda.mjs` (what `npm run bundle` runs) into `outdir`. */
export function buildLambdaBundle(root: string, outdir: string): LambdaBundle {
  const metafile = `${outdir}.meta.json`;
  execFileSync(
    process.execPath,
    [join(root, 'scripts', 'bundle-lambda.mjs'), '--outdir', outdir, '--metafile', metafile],
    { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  return {
    dir: outdir,
    file: join(outdir, 'index.mjs'),
    metafile: JSON.parse(readFileSync(metafile, 'utf8')) as Metafile,
  };
}

/**
 * The size of a zip archive of the directory's files (deflate, as `zip` and the CDK write them), leaving out
 * those matching `exclude` — source maps are not deployed. Headers: 30 + name bytes per local entry,
 * 46 + name per central entry, 22 for the end record.
 */
export function zippedBytes(dir: string, exclude: RegExp = /\.map$/): number {
  let total = 22;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (exclude.test(name) || !statSync(path).isFile()) continue;
    const nameBytes = Buffer.byteLength(name);
    total += 30 + nameBytes + 46 + nameBytes + deflateRawSync(readFileSync(path)).length;
  }
  return total;
}

export interface BundleRun {
  /** Time to import the bundle: the module init a cold start pays. */
  initMs: number;
  /** CPU time of the import: close to `initMs` on an idle machine, and steadier on a busy one. */
  initCpuMs: number;
  /** Import plus the request, when there was one. */
  totalMs?: number;
  /** The bundle marked its handler with `awslambda.streamifyResponse`. */
  streaming: boolean;
  response?: unknown;
  error?: string;
  /** What the function printed (audit events). */
  stdout: string;
}

// Loads the bundle the way the Lambda Node.js runtime does (an ES module import, with the `awslambda` global
// whose streamifyResponse marks a streaming handler), then answers one request through the handler.
const RUNNER = `
import { writeSync } from 'node:fs';
import { Writable } from 'node:stream';
const streaming = new WeakSet();
globalThis.awslambda = { streamifyResponse: (fn) => { streaming.add(fn); return fn; } };
const started = performance.now();
const cpu = process.cpuUsage();
const { handler } = await import(process.env.DBQ_BUNDLE_URL);
const used = process.cpuUsage(cpu);
const result = {
  initMs: performance.now() - started,
  initCpuMs: (used.user + used.system) / 1000,
  streaming: streaming.has(handler),
};
if (process.env.DBQ_BUNDLE_REQUEST) {
  const event = JSON.parse(process.env.DBQ_BUNDLE_REQUEST);
  const context = { awsRequestId: 'bundle-run', getRemainingTimeInMillis: () => 60000 };
  try {
    if (result.streaming) {
      const chunks = [];
      const response = new Writable({ write(chunk, _encoding, done) { chunks.push(chunk); done(); } });
      await handler(event, response, context);
      result.response = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } else {
      result.response = await handler(event, context);
    }
  } catch (error) {
    result.error = error instanceof Error ? error.message : String(error);
  }
  result.totalMs = performance.now() - started;
}
writeSync(3, JSON.stringify(result));
process.exit(0);
`;

/**
 * Imports the bundle in a fresh `node` process with only `env` (plus PATH) in its environment, as a new
 * Lambda instance would, and optionally sends it one request.
 */
export function runBundle(file: string, env: Record<string, string>, request?: unknown): Promise<BundleRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', RUNNER], {
      env: {
        PATH: process.env.PATH ?? '',
        ...env,
        DBQ_BUNDLE_URL: pathToFileURL(file).href,
        ...(request === undefined ? {} : { DBQ_BUNDLE_REQUEST: JSON.stringify(request) }),
      },
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let report = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    (child.stdio[3] as NodeJS.ReadableStream)
      .setEncoding('utf8')
      .on('data', (chunk: string) => (report += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      if (report === '') {
        reject(new Error(`the bundle process exited ${code} without a report: ${stderr}`));
        return;
      }
      resolve({ ...(JSON.parse(report) as Omit<BundleRun, 'stdout'>), stdout });
    });
  });
}

/** A function configuration for the local PostgreSQL, with the local identity (outside Lambda only). */
export function localPgConfig(pgUrl: string, role: 'read' | 'write' | 'admin' = 'read'): string {
  const url = new URL(pgUrl);
  return JSON.stringify({
    identity: { mode: 'local', principal: 'local:user/bundle-check', role },
    targets: {
      pg: {
        engine: 'postgres',
        host: url.hostname,
        port: Number(url.port || 5432),
        database: url.pathname.slice(1),
        users: { [role]: { user: decodeURIComponent(url.username || 'postgres') } },
        // The local PostgreSQL has no TLS; deployed targets verify certificates by default.
        tls: { mode: 'disable' },
      },
    },
  });
}

export function executeRequest(sql: string): unknown {
  return { v: 1, op: 'execute', requestId: 'bundle-run', sql };
}

/** Prints the bundle figures; `npm run bench` calls it. */
export async function reportBundleFigures(root: string, pgUrl: string): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'dbq-bundle-bench-'));
  try {
    const bundle = buildLambdaBundle(root, join(work, 'lambda-bundle'));
    const env = { DBQ_CONFIG: localPgConfig(pgUrl) };
    const init: number[] = [];
    const initCpu: number[] = [];
    for (let i = 0; i < 9; i += 1) {
      const run = await runBundle(bundle.file, env);
      init.push(run.initMs);
      initCpu.push(run.initCpuMs);
    }
    const first: number[] = [];
    for (let i = 0; i < 5; i += 1) {
      const run = await runBundle(bundle.file, env, executeRequest('SELECT 1'));
      if (run.error !== undefined || run.totalMs === undefined)
        throw new Error(`bundle failed: ${run.error}`);
      first.push(run.totalMs);
    }
    const modules = readdirSync(bundle.dir).filter((name) => name.endsWith('.mjs'));
    const minified = modules.reduce((sum, name) => sum + statSync(join(bundle.dir, name)).size, 0);
    const kib = (bytes: number): string => `${(bytes / 1024).toFixed(0)} KiB`;
    console.log(
      `lambda bundle: ${kib(statSync(bundle.file).size)} index.mjs + ${modules.length - 1} chunks, ` +
        `${kib(minified)} minified JS, ${kib(zippedBytes(bundle.dir))} zipped without source maps ` +
        `(${zippedBytes(bundle.dir).toLocaleString('en')} bytes; budget 1,000,000), ` +
        `${Object.keys(bundle.metafile.inputs).length} input files`,
    );
    console.log(
      `lambda module init, fresh process (median of 9): ${median(init).toFixed(0)} ms wall, ` +
        `${median(initCpu).toFixed(0)} ms CPU (budget 150 ms)`,
    );
    console.log(
      `lambda first statement, fresh process, import + connect + SELECT 1 (median of 5): ${median(first).toFixed(0)} ms`,
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
