import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDbq } from '../helpers/runDbq.js';

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'dbq-export-cli-'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('dbq export', () => {
  it('exports from the embedded demo without a profile, the format following the file name', async () => {
    const file = join(dir, 'customers.ndjson');
    const run = await runDbq(
      ['export', '-c', 'SELECT id, name FROM customers ORDER BY id LIMIT 3', '-o', file],
      { env: { DBQ_CONFIG_DIR: join(dir, 'config'), HOME: dir } },
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/exported 3 rows to .*customers\.ndjson/);
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(Object.keys(JSON.parse(lines[0] ?? '{}') as object)).toEqual(['id', 'name']);
  });

  it('is a usage error without the query or the file', async () => {
    const noFile = await runDbq(['export', '-c', 'SELECT 1']);
    expect(noFile.code).toBe(2);
    expect(noFile.stderr).toMatch(/-o FILE/);
    const noQuery = await runDbq(['export', '-o', join(dir, 'x.csv')]);
    expect(noQuery.code).toBe(2);
    const badFormat = await runDbq([
      'export',
      '-c',
      'SELECT 1',
      '-o',
      join(dir, 'x.csv'),
      '--format',
      'table',
    ]);
    expect(badFormat.code).toBe(2);
    expect(existsSync(join(dir, 'x.csv'))).toBe(false);
  });
});
