import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMariaDbDatabase, type TestMariaDbDatabase } from '../helpers/mariadb.js';
import {
  fileBlockDigests,
  peakMiB,
  mariaBlockDigestsQuery,
  mariaRowsQuery,
  runExport,
  startLocalEndpoint,
  waitFor,
  type Running,
} from './exportFixtures.js';

/** Generous: what matters is that 5M rows need no more memory than 1M (nothing is held whole). */
const PEAK_LIMIT_MIB = 300;

let db: TestMariaDbDatabase;
let endpoint: Running;
let dir: string;
const peaks: string[] = [];

beforeAll(async () => {
  db = await createMariaDbDatabase();
  endpoint = await startLocalEndpoint('mysql', db.url);
  dir = mkdtempSync(join(tmpdir(), 'dbq-export-maria-'));
});

afterAll(async () => {
  const stderr = await endpoint?.stop();
  if (stderr !== undefined) peaks.push(`local endpoint (all exports): ${peakMiB(stderr).toFixed(1)} MiB`);
  console.log(`peak memory, MariaDB exports:\n  ${peaks.join('\n  ')}`);
  await db?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function expectedDigests(rows: number): Promise<{ rows: number; digests: string[] }> {
  await db.root.query('SET SESSION group_concat_max_len = 16777216');
  const [result] = await db.root.query({ sql: mariaBlockDigestsQuery(rows), rowsAsArray: false });
  const blocks = result as { rows: number | string; digest: string }[];
  return {
    rows: blocks.reduce((sum, block) => sum + Number(block.rows), 0),
    digests: blocks.map((block) => block.digest),
  };
}

async function exportAndCheck(rows: number, extra: string[] = []): Promise<string> {
  const file = join(dir, `rows-${rows}-${extra.length}.csv`);
  const run = await runExport([
    '--endpoint',
    endpoint.url,
    '-c',
    mariaRowsQuery(rows, extra.length > 0),
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

describe('dbq export from MariaDB through the local endpoint', () => {
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

  it('fails, leaving no file, when the connection is killed in the middle of the stream', async () => {
    const doomed = await startLocalEndpoint('mysql', db.url);
    const file = join(dir, 'cut.csv');
    let killed = false;
    const run = runExport(['--endpoint', doomed.url, '-c', mariaRowsQuery(5_000_000), '-o', file]);
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
