import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  defaultExportFileName,
  exportDirectory,
  firstTableName,
  uniquePath,
} from '../../../src/export/exportPath.js';

describe('default export paths', () => {
  it('finds the first table a statement names, past comments, strings and subqueries', () => {
    expect(firstTableName('SELECT * FROM orders o JOIN customers c ON true')).toBe('orders');
    expect(firstTableName('select 1 from public."Order Items"')).toBe('Order Items');
    expect(firstTableName("SELECT 'from x' -- from y\n FROM (SELECT 1 FROM inner_t) s")).toBe('inner_t');
    expect(firstTableName('INSERT INTO audit.log VALUES (1) RETURNING *')).toBe('log');
    expect(firstTableName('SELECT now()')).toBeNull();
  });

  it('names the file after the profile, the local time and the first table', () => {
    const now = new Date(2024, 1, 29, 18, 5, 9);
    expect(defaultExportFileName({ profile: 'prod', sql: 'SELECT * FROM orders', format: 'csv', now })).toBe(
      'prod-20240229-180509-orders.csv',
    );
    expect(defaultExportFileName({ profile: 'a/b', sql: 'SELECT 1', format: 'ndjson', now })).toBe(
      'a_b-20240229-180509-result.ndjson',
    );
  });

  it('never overwrites an earlier export', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dbq-path-'));
    try {
      expect(await uniquePath(dir, 'x.csv')).toBe(join(dir, 'x.csv'));
      writeFileSync(join(dir, 'x.csv'), '');
      writeFileSync(join(dir, 'x-2.csv'), '');
      expect(await uniquePath(dir, 'x.csv')).toBe(join(dir, 'x-3.csv'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('exports into DBQ_EXPORT_DIR, else the current directory', () => {
    expect(exportDirectory({ DBQ_EXPORT_DIR: '/exports' })).toBe('/exports');
    expect(exportDirectory({})).toBe(process.cwd());
  });
});
