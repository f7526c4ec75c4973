/**
 * `npm run bench`: CSV export through dbq's paged path beside psql's \copy, and first-row latency,
 * against the local PostgreSQL. Prints figures; asserts nothing.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LambdaTransport } from '../src/transport/lambdaTransport.js';
import { QuerySession } from '../src/session/querySession.js';
import { measure, median, peakFromStderr, startUntil, measurePsqlCopy } from './proc.js';
import { exportBench } from './export.js';
import { reportBundleFigures } from './bundle.js';
import { replBench } from './repl.js';
import { identityBench } from './identity.js';

const PG_URL = process.env.DBQ_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
// Runs from dist/bench/run.js.
const root = fileURLToPath(new URL('../..', import.meta.url));
const dbq = join(root, 'bin', 'dbq.js');
const hook = join(root, 'bench', 'maxrss.mjs');
const work = mkdtempSync(join(tmpdir(), 'dbq-bench-'));
const env = {
  ...process.env,
  DBQ_CONFIG_DIR: join(work, 'config'),
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};

function rowsQuery(rows: number): string {
  return (
    `SELECT g AS id, md5(g::text) AS name, (g % 100000) * 1.25 AS amount, ` +
    `timestamptz '2024-01-01 00:00:00+00' + g * interval '1 second' AS created_at, g % 3 = 0 AS flag ` +
    `FROM generate_series(1, ${rows}) AS g`
  );
}

const fmt = (n: number, digits = 0): string => n.toFixed(digits);

async function csvExport(endpoint: string, rows: number): Promise<void> {
  const sql = rowsQuery(rows);
  const dbqOut = join(work, `dbq-${rows}.csv`);
  const psqlOut = join(work, `psql-${rows}.csv`);
  const viaDbq = await measure(
    process.execPath,
    ['--import', hook, dbq, '--endpoint', endpoint, '--format', 'csv', '-o', dbqOut, '-c', sql],
    env,
  );
  if (viaDbq.code !== 0) throw new Error(`dbq failed: ${viaDbq.stderr}`);
  const viaPsql = await measurePsqlCopy(PG_URL, sql, psqlOut);
  const dbqBytes = statSync(dbqOut).size;
  const psqlBytes = statSync(psqlOut).size;
  console.log(
    `csv ${rows.toLocaleString('en')} rows: dbq ${fmt(viaDbq.ms)} ms (peak ${fmt(viaDbq.peakMiB, 1)} MiB, ${fmt(dbqBytes / 1e6, 1)} MB)` +
      ` | psql \\copy ${fmt(viaPsql.ms)} ms (peak ${fmt(viaPsql.peakMiB, 1)} MiB, ${fmt(psqlBytes / 1e6, 1)} MB)` +
      ` | dbq/psql ${fmt(viaDbq.ms / viaPsql.ms, 2)}x`,
  );
}

async function firstRowLatency(endpoint: string): Promise<void> {
  const transport = new LambdaTransport({ region: 'us-east-1', functionName: 'bench', endpoint });
  const session = new QuerySession(transport);
  const sql = 'SELECT id, name FROM (VALUES (1, $$a$$), (2, $$b$$)) AS t(id, name)';
  const samples: number[] = [];
  for (let i = 0; i < 60; i += 1) {
    const started = performance.now();
    const result = await session.execute(sql);
    if (result.columns.length !== 2) throw new Error('unexpected result');
    if (i >= 10) samples.push(performance.now() - started);
  }
  transport.close();
  const url = new URL(PG_URL);
  const psql = await measure('psql', [
    '-h',
    url.hostname,
    '-U',
    url.username || 'postgres',
    '-d',
    url.pathname.slice(1),
    '-c',
    '\\timing on',
    ...Array.from({ length: 60 }, () => ['-c', sql]).flat(),
  ]);
  const psqlTimes = [...psql.stdout.matchAll(/Time: ([\d.]+) ms/g)].map((m) => Number(m[1])).slice(10);
  const dbqMedian = median(samples);
  const psqlMedian = median(psqlTimes);
  console.log(
    `first row, warm session (median of 50): dbq ${fmt(dbqMedian, 2)} ms | psql ${fmt(psqlMedian, 2)} ms | difference ${fmt(dbqMedian - psqlMedian, 2)} ms`,
  );
  const coldDbq: number[] = [];
  const coldPsql: number[] = [];
  for (let i = 0; i < 5; i += 1) {
    coldDbq.push((await measure(process.execPath, [dbq, '--endpoint', endpoint, '-c', 'SELECT 1'], env)).ms);
    coldPsql.push(
      (
        await measure('psql', [
          '-h',
          url.hostname,
          '-U',
          url.username || 'postgres',
          '-d',
          url.pathname.slice(1),
          '-c',
          'SELECT 1',
        ])
      ).ms,
    );
  }
  console.log(
    `whole command, fresh process (median of 5): dbq -c ${fmt(median(coldDbq))} ms | psql -c ${fmt(median(coldPsql))} ms`,
  );
}

async function main(): Promise<void> {
  const rowCounts = (process.env.DBQ_BENCH_ROWS ?? '100000,1000000').split(',').map(Number);
  const local = await startUntil(
    process.execPath,
    ['--import', hook, dbq, 'local', '--engine', 'postgres', '--db-url', PG_URL, '--port', '0'],
    /on (http:\/\/127\.0\.0\.1:\d+)/,
    env,
  );
  const endpoint = local.match[1] ?? '';
  try {
    console.log(`dbq bench against ${PG_URL.replace(/\/\/[^@]*@/, '//')} through dbq local at ${endpoint}`);
    for (const rows of rowCounts) await csvExport(endpoint, rows);
    await firstRowLatency(endpoint);
    await identityBench(PG_URL);
    await replBench({ dbq, endpoint, env });
    await exportBench({
      dbq,
      hook,
      work,
      env,
      pgUrl: PG_URL,
      rows: (process.env.DBQ_BENCH_EXPORT_ROWS ?? '1000000,5000000').split(',').map(Number),
    });
    await reportBundleFigures(root, PG_URL);
  } finally {
    const exited = new Promise((resolve) => local.child.on('exit', resolve));
    local.child.kill('SIGINT');
    await exited;
    console.log(
      `local endpoint process peak ${fmt(peakFromStderr(local.stderr()), 1)} MiB over the whole run`,
    );
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
