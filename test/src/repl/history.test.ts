import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FileHistoryStore, historyFile, searchBackward, withEntry } from '../../../src/repl/history.js';

describe('statement history', () => {
  const dirs: string[] = [];
  const tempDir = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'dbq-history-'));
    dirs.push(dir);
    return dir;
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('keeps one file per profile under DBQ_CONFIG_DIR, with unsafe characters replaced', () => {
    expect(historyFile('prod', { DBQ_CONFIG_DIR: '/c' })).toBe('/c/history/prod.jsonl');
    expect(historyFile('../x y', { DBQ_CONFIG_DIR: '/c' })).toBe('/c/history/__x_y.jsonl');
  });

  it('persists multi-line entries across sessions, readable only by the user', async () => {
    const file = join(tempDir(), 'history', 'local.jsonl');
    const store = new FileHistoryStore(file);
    expect(await store.load()).toEqual([]);
    await store.append('SELECT 1;');
    await store.append('SELECT\n  2;');
    expect(await new FileHistoryStore(file).load()).toEqual(['SELECT 1;', 'SELECT\n  2;']);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('skips a torn line and compacts to the limit when the file has grown', async () => {
    const file = join(tempDir(), 'h.jsonl');
    writeFileSync(file, '"a"\n{"broken\n"b"\n');
    const store = new FileHistoryStore(file, 3);
    expect(await store.load()).toEqual(['a', 'b']);
    for (const entry of ['c', 'd', 'e', 'f']) await store.append(entry);
    expect(await store.load()).toEqual(['d', 'e', 'f']);
    expect(readFileSync(file, 'utf8').split('\n').filter(Boolean).length).toBeLessThanOrEqual(5);
  });

  it('searches backwards, case-insensitively, before a position', () => {
    const entries = ['select 1', 'SELECT name FROM t', 'update t', 'select 2'];
    expect(searchBackward(entries, 'SELECT', 4)).toBe(3);
    expect(searchBackward(entries, 'select', 3)).toBe(1);
    expect(searchBackward(entries, 'nothing', 4)).toBe(-1);
  });

  it('does not repeat the newest entry and keeps at most the limit', () => {
    expect(withEntry(['a'], 'a')).toEqual(['a']);
    expect(withEntry(['a', 'b'], 'c', 2)).toEqual(['b', 'c']);
    expect(withEntry(['a'], '  ')).toEqual(['a']);
  });
});
