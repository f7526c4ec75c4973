import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgDatabase, type TestPgDatabase } from '../helpers/postgres.js';
import {
  fileBlockDigests,
  peakMiB,
  pgBlockDigestsQuery,
  pgRowsQuery,
  runExport,
  startLocalEndpoint,
  waitFor,
  type Running,
} from './exportFixtures.js';

/** Generous: what matters is that 5M rows need no more memory than 1M (nothing is held whole). */
const PEAK_LIMIT_MIB = 300;

let db: TestPgDatabase;
let endpoint: Running;
let dir: string;
const peaks: string[] = [];

beforeAll(async () => {
  db = await createPgDatabase();
  endpoint = await startLocalEndpoint('postgres', db.url);
  dir = mkdtempSync(join(tmpdir(), 'dbq-export-pg-'));
});

afterAll(async () => {
  const stderr = await endpoint?.stop();
  if (stderr !== undefined) peaks.push(`local endpoint (all exports): ${peakMiB(stderr).toFixed(1)} MiB`);
  console.log(`peak memory, PostgreSQL exports:\n  ${peaks.join('\n  ')}`);
  await db?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function expectedDigests(rows: number): Promise<{ rows: number; digests: string[] }> {
  const result = await db.query<{ rows: number; digest: string }>(pgBlockDigestsQuery(rows));
  return {
    rows: result.rows.reduce((sum, row) => sum + row.rows, 0),
    digests: result.rows.map((row) => row.digest),
  };
}

async function exportAndCheck(rows: number, extra: string[] = []): Promise<string> {
  const file = join(dir, `rows-${rows}-${extra.length}.csv`);
  const run = await runExport([
    '--endpoint',
    endpoint.url,
    '-c',
    pgRowsQuery(rows, extra.length > 0),
    '-o',
    file,
    ...extra,
  ]);
  expect(run.code, run.stderr).toBe(0);
  peaks.push(
    `dbq export of ${rows.toLocaleString('en')} rows${extra.length > 0 ? ` (${extra.join(' ')})` : ''}: ${run.peakMiB.toFixed(1)} MiB`,
  );
  expect(run.peakMiB).toBeLessThan(PEAK_LIMIT_MIB);
  expect(existsSync(`${file}.partial`)).toBe(false);
  const [actual, expected] = await Promise.all([fileBlockDigests(file), expectedDigests(rows)]);
  expect(actual.header).toBe('id,name,note,flag');
  expect(actual.rows).toBe(expected.rows);
  expect(actual.rows).toBe(rows);
  expect(actual.digests).toEqual(expected.digests);
  rmSync(file);
  return run.stderr;
}

describe('dbq export from PostgreSQL through the local endpoint', () => {
  it('exports 1,000,000 rows with the row count and checksums of a direct query', async () => {
    await exportAndCheck(1_000_000);
  });

  it('exports 5,000,000 rows with the row count and checksums of a direct query', async () => {
    await exportAndCheck(5_000_000);
  }, 240_000);

  it('continues in further invocations when a part reaches its size limit, and stitches the parts', async () => {
    const stderr = await exportAndCheck(200_000, ['--part-size', '1', '--compression', 'gzip']);
    const parts = /(\d+) parts\)/.exec(stderr);
    expect(Number(parts?.[1])).toBeGreaterThan(3);
  }, 120_000);

  it('stops on Ctrl-C: exits non-zero, removes the partial file and audits the export as cancelled', async () => {
    const file = join(dir, 'interrupted.csv');
    let child: ChildProcess | undefined;
    const run = runExport(['--endpoint', endpoint.url, '-c', pgRowsQuery(5_000_001), '-o', file], {
      onStart: (started) => (child = started),
    });
    await waitFor(
      () => existsSync(`${file}.partial`) && statSync(`${file}.partial`).size > 1_000_000,
      60_000,
      'rows to arrive',
    );
    child?.kill('SIGINT');
    const result = await run;
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/CANCELLED/);
    expect(existsSync(file)).toBe(false);
    expect(existsSync(`${file}.partial`)).toBe(false);
    const sql = pgRowsQuery(5_000_001);
    await waitFor(
      () => endpoint.auditEvents().some((e) => e.event === 'outcome' && e.sql === sql),
      30_000,
      'the outcome of the interrupted export',
    );
    expect(endpoint.auditEvents().find((e) => e.event === 'outcome' && e.sql === sql)).toMatchObject({
      op: 'export',
      outcome: 'error',
      errorCode: 'CANCELLED',
    });
  }, 120_000);

  it('fails, leaving no file, when the connection is killed in the middle of the stream', async () => {
    const doomed = await startLocalEndpoint('postgres', db.url);
    const file = join(dir, 'cut.csv');
    let killed = false;
    const run = runExport(['--endpoint', doomed.url, '-c', pgRowsQuery(5_000_000), '-o', file]);
    await waitFor(
      () => existsSync(`${file}.partial`) && statSync(`${file}.partial`).size > 2_000_000,
      60_000,
      'rows to arrive',
    );
    doomed.child.kill('SIGKILL');
    killed = true;
    const result = await run;
    await doomed.stop();
    expect(killed).toBe(true);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/ERROR: .*(cut|broke|reach)/);
    expect(existsSync(file)).toBe(false);
    expect(existsSync(`${file}.partial`)).toBe(false);
  }, 120_000);
});
