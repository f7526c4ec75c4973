import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import type { ExportFormat } from './formats.js';

/** Where exports go unless a path is given: `DBQ_EXPORT_DIR`, else the current directory. */
export function exportDirectory(env: NodeJS.ProcessEnv = process.env): string {
  return env.DBQ_EXPORT_DIR || process.cwd();
}

const TABLE_KEYWORDS = new Set(['from', 'join', 'into', 'update', 'table']);

/** Identifier-ish tokens of SQL, skipping comments and string literals (enough to name a file). */
function* words(sql: string): Generator<string> {
  let i = 0;
  while (i < sql.length) {
    const char = sql.charAt(i);
    if (char === '-' && sql.charAt(i + 1) === '-') {
      const end = sql.indexOf('\n', i);
      i = end === -1 ? sql.length : end;
    } else if (char === '/' && sql.charAt(i + 1) === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end === -1 ? sql.length : end + 2;
    } else if (char === "'") {
      let j = i + 1;
      while (j < sql.length && !(sql.charAt(j) === "'" && sql.charAt(j + 1) !== "'")) {
        j += sql.charAt(j) === "'" ? 2 : 1;
      }
      i = j + 1;
    } else if (char === '"' || char === '`') {
      const end = sql.indexOf(char, i + 1);
      const stop = end === -1 ? sql.length : end;
      yield sql.slice(i + 1, stop);
      i = stop + 1;
    } else if (/[\p{L}\p{N}_$]/u.test(char)) {
      let j = i + 1;
      while (j < sql.length && /[\p{L}\p{N}_$]/u.test(sql.charAt(j))) j++;
      yield sql.slice(i, j);
      i = j;
    } else if (char === '.') {
      yield '.';
      i++;
    } else if (char === '(') {
      yield '(';
      i++;
    } else {
      i++;
    }
  }
}

/** The first table a statement reads or writes (`FROM x`, `JOIN s.x`, `INTO x`…), for naming files. */
export function firstTableName(sql: string): string | null {
  const tokens = [...words(sql)];
  for (let i = 0; i < tokens.length - 1; i++) {
    if (!TABLE_KEYWORDS.has((tokens[i] ?? '').toLowerCase())) continue;
    let j = i + 1;
    if (tokens[j] === '(') continue;
    let name = tokens[j] ?? '';
    while (tokens[j + 1] === '.' && tokens[j + 2] !== undefined && tokens[j + 2] !== '(') {
      j += 2;
      name = tokens[j] ?? name;
    }
    if (name !== '' && name !== '.') return name;
  }
  return null;
}

function safePart(text: string, fallback: string): string {
  const cleaned = text
    .normalize('NFKD')
    .replace(/[^A-Za-z0-9_-]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 40);
  return cleaned === '' ? fallback : cleaned;
}

function timestamp(now: Date): string {
  const pad = (n: number): string => String(n).padStart(2, '0');
  return (
    `${now.getFullYear()}${pad(now.getMonth() + 1)}${pad(now.getDate())}-` +
    `${pad(now.getHours())}${pad(now.getMinutes())}${pad(now.getSeconds())}`
  );
}

/** `PROFILE-YYYYMMDD-HHMMSS-TABLE.csv`, from the profile, the local time and the first table. */
export function defaultExportFileName(options: {
  profile: string;
  sql: string;
  format: ExportFormat;
  now?: Date;
}): string {
  const table = firstTableName(options.sql);
  return (
    `${safePart(options.profile, 'dbq')}-${timestamp(options.now ?? new Date())}-` +
    `${safePart(table ?? 'result', 'result')}.${options.format}`
  );
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path, constants.F_OK);
    return true;
  } catch {
    return false;
  }
}

/** A path in `directory` named `fileName`, or with `-2`, `-3`… before the extension if that exists. */
export async function uniquePath(directory: string, fileName: string): Promise<string> {
  const dot = fileName.lastIndexOf('.');
  const stem = dot > 0 ? fileName.slice(0, dot) : fileName;
  const extension = dot > 0 ? fileName.slice(dot) : '';
  let candidate = join(directory, fileName);
  for (let n = 2; await exists(candidate); n++) candidate = join(directory, `${stem}-${n}${extension}`);
  return candidate;
}
