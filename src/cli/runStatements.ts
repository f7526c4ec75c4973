import type { Writable } from 'node:stream';
import { createResultWriter, sanitizeLine, type FormatOptions, type OutputFormat } from '../format/index.js';
import { formatError } from '../format/errorText.js';
import type { QuerySession, StatementOptions } from '../session/querySession.js';
import { EXIT_OK, exitCodeFor } from './exitCodes.js';

export interface RunOptions {
  format: OutputFormat;
  statement: StatementOptions;
  formatOptions: FormatOptions;
}

/** Runs one statement and streams every page of its result to the writer, one page in memory at a time. */
export async function runStatement(
  session: QuerySession,
  sql: string,
  out: Writable,
  err: Writable,
  options: RunOptions,
): Promise<void> {
  const started = performance.now();
  const result = await session.execute(sql, options.statement);
  try {
    const writer = createResultWriter(options.format, out, options.formatOptions);
    await writer.begin(result.columns);
    let rowCount = 0;
    for await (const page of result.pages()) {
      rowCount += page.rows.length;
      if (page.rows.length > 0) await writer.writeRows(page.rows);
    }
    const last = result.lastPage;
    await writer.end({
      command: result.command,
      rowCount,
      affectedRows: last.affectedRows,
      truncated: last.truncated,
      elapsedMs: Math.round(performance.now() - started),
    });
    for (const notice of last.notices) err.write(`NOTICE:  ${sanitizeLine(notice)}\n`);
  } finally {
    await result.close();
  }
}

/**
 * Runs statements in order and stops at the first failure, which is reported on stderr. Returns the exit
 * code: 0, or the failure's (1, or 3 when denied or not authenticated).
 */
export async function runStatements(
  session: QuerySession,
  statements: string[],
  out: Writable,
  err: Writable,
  options: RunOptions,
): Promise<number> {
  for (const [index, sql] of statements.entries()) {
    try {
      if (index > 0 && options.format === 'table') out.write('\n');
      await runStatement(session, sql, out, err, options);
    } catch (error) {
      err.write(`${formatError(error, sql)}\n`);
      return exitCodeFor(error);
    }
  }
  return EXIT_OK;
}
