import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SELF = fileURLToPath(import.meta.url);
const SKIPPED = new Set(['node_modules', 'dist', '.git', 'coverage']);

/** Ways to stop a TLS client from checking the server certificate. */
const DISABLING = [
  /rejectUnauthorized\s*:\s*false/,
  /verifyIdentity\s*:\s*false/,
  /NODE_TLS_REJECT_UNAUTHORIZED/,
  /checkServerIdentity\s*:\s*\(\s*\)\s*=>/,
];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (SKIPPED.has(entry.name)) return [];
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.(ts|tsx|js|mjs|cjs|json)$/.test(entry.name) && path !== SELF ? [path] : [];
  });
}

describe('server certificate verification', () => {
  it('is never turned off anywhere in the repository', () => {
    const offenders = sourceFiles(ROOT).flatMap((file) => {
      const text = readFileSync(file, 'utf8');
      return DISABLING.filter((pattern) => pattern.test(text)).map(
        (pattern) => `${relative(ROOT, file)}: ${pattern.source}`,
      );
    });
    expect(offenders).toEqual([]);
  });
});
