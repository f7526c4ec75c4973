import { appendFile, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { configDir } from '../config/paths.js';

/** Statement history of one profile, oldest first. */
export interface HistoryStore {
  load(): Promise<string[]>;
  append(entry: string): Promise<void>;
}

export const HISTORY_LIMIT = 1000;

/** `$DBQ_CONFIG_DIR/history/<profile>.jsonl`; the profile name is reduced to safe file-name characters. */
export function historyFile(profile: string, env?: NodeJS.ProcessEnv): string {
  const safe = profile.replace(/[^A-Za-z0-9_.-]/g, '_').replace(/^\.+/, '_') || 'default';
  return join(configDir(env), 'history', `${safe}.jsonl`);
}

function parseLines(text: string): string[] {
  const entries: string[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    try {
      const entry: unknown = JSON.parse(line);
      if (typeof entry === 'string') entries.push(entry);
    } catch {
      // A torn last line (a crash mid-write) is skipped, not fatal.
    }
  }
  return entries;
}

/**
 * History in a JSON-lines file (one JSON string per entry, so multi-line statements stay whole), readable
 * only by the user: statements can hold secrets. Appends are cheap; the file is compacted to the last
 * `limit` entries when it has grown to twice that.
 */
export class FileHistoryStore implements HistoryStore {
  private lineCount = 0;

  constructor(
    readonly file: string,
    private readonly limit = HISTORY_LIMIT,
  ) {}

  async load(): Promise<string[]> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const entries = parseLines(text);
    this.lineCount = entries.length;
    return entries.slice(-this.limit);
  }

  async append(entry: string): Promise<void> {
    await mkdir(dirname(this.file), { recursive: true, mode: 0o700 });
    await appendFile(this.file, `${JSON.stringify(entry)}\n`, { mode: 0o600 });
    this.lineCount++;
    if (this.lineCount >= this.limit * 2) await this.compact();
  }

  private async compact(): Promise<void> {
    const entries = (await this.load()).slice(-this.limit);
    const temporary = `${this.file}.${process.pid}.tmp`;
    await writeFile(temporary, entries.map((entry) => `${JSON.stringify(entry)}\n`).join(''), {
      mode: 0o600,
    });
    await rename(temporary, this.file);
    this.lineCount = entries.length;
  }
}

/** Index of the newest entry before `before` that contains `query` (case-insensitive), or -1. */
export function searchBackward(entries: readonly string[], query: string, before: number): number {
  const needle = query.toLowerCase();
  for (let index = Math.min(before, entries.length) - 1; index >= 0; index--) {
    if ((entries[index] ?? '').toLowerCase().includes(needle)) return index;
  }
  return -1;
}

/** Adds an entry unless it repeats the newest one; keeps at most `limit` entries. */
export function withEntry(entries: readonly string[], entry: string, limit = HISTORY_LIMIT): string[] {
  if (entry.trim() === '' || entries[entries.length - 1] === entry) return [...entries];
  const next = [...entries, entry];
  return next.length > limit ? next.slice(next.length - limit) : next;
}
