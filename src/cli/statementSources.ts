import { readFile } from 'node:fs/promises';
import { splitStatements, type SqlDialect } from '../../shared/sql/split.js';
import type { StatementSource } from './args.js';
import { UsageError } from './usage.js';

/** Text of every source, in command-line order; `-f -` and piped stdin read standard input. */
export async function readSources(
  sources: StatementSource[],
  stdin: NodeJS.ReadableStream,
): Promise<string[]> {
  const texts: string[] = [];
  for (const source of sources) {
    if (source.kind === 'command') {
      texts.push(source.sql);
      continue;
    }
    try {
      texts.push(source.path === '-' ? await readAll(stdin) : await readFile(source.path, 'utf8'));
    } catch (error) {
      throw new UsageError(`cannot read ${source.path}: ${(error as Error).message}`);
    }
  }
  return texts;
}

export async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/** True when splitting needs to know the dialect: the two dialects would cut the text differently. */
export function needsDialect(texts: string[]): boolean {
  return texts.some((text) => {
    const pg = splitStatements(text, 'postgres').map((s) => s.text);
    const my = splitStatements(text, 'mysql').map((s) => s.text);
    return pg.length !== my.length || pg.some((statement, i) => statement !== my[i]);
  });
}

export function splitAll(texts: string[], dialect: SqlDialect): string[] {
  return texts.flatMap((text) => splitStatements(text, dialect).map((statement) => statement.text));
}
