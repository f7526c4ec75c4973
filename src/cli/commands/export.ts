import { extname } from 'node:path';
import { parseArgs } from 'node:util';
import { EXPORT_COMPRESSIONS, type ExportCompression } from '../../../shared/protocol/index.js';
import { formatError } from '../../format/errorText.js';
import { EXPORT_FORMATS, exportToFile, partialPath, type ExportFormat } from '../../stream/fileExport.js';
import { formatProgress, type ExportProgress } from '../../stream/progress.js';
import { oneOf, positiveNumber, usageErrors } from '../args.js';
import { connect } from '../connect.js';
import { EXIT_OK, exitCodeFor } from '../exitCodes.js';
import type { CliIo, Subcommand } from '../subcommand.js';
import { UsageError } from '../usage.js';

export interface ExportOptions {
  profile: string | undefined;
  endpoint: string | undefined;
  functionName: string | undefined;
  region: string | undefined;
  target: string | undefined;
  sql: string;
  output: string;
  format: ExportFormat;
  timeoutMs: number | undefined;
  escapeFormulas: boolean;
  compression: ExportCompression | undefined;
  /** Bytes per streamed part before the export continues in a new invocation. */
  partBytes: number | undefined;
  quiet: boolean;
}

/** Non-terminal stderr (a log, CI) gets a progress line this often rather than a redrawn one. */
const LOG_PROGRESS_EVERY_MS = 5_000;

function formatFromPath(path: string): ExportFormat {
  const extension = extname(path).toLowerCase();
  if (extension === '.ndjson' || extension === '.jsonl') return 'ndjson';
  if (extension === '.json') return 'json';
  return 'csv';
}

export function parseExportArgs(argv: string[]): ExportOptions {
  const { values, positionals } = usageErrors(() =>
    parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        profile: { type: 'string', short: 'p' },
        command: { type: 'string', short: 'c' },
        output: { type: 'string', short: 'o' },
        format: { type: 'string' },
        timeout: { type: 'string' },
        'csv-escape-formulas': { type: 'boolean' },
        compression: { type: 'string' },
        'part-size': { type: 'string' },
        endpoint: { type: 'string' },
        function: { type: 'string' },
        region: { type: 'string' },
        target: { type: 'string' },
        quiet: { type: 'boolean', short: 'q' },
      },
    }),
  );
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  if (values.command === undefined) throw new UsageError('dbq export needs the query: -c "SELECT …"');
  if (values.output === undefined) throw new UsageError('dbq export needs the file to write: -o FILE');
  if (values.endpoint && values.profile) throw new UsageError('use either --endpoint or -p, not both');
  if (values.function && !values.endpoint) {
    throw new UsageError('--function goes with --endpoint (saved profiles name their function)');
  }
  const timeout = positiveNumber(values.timeout, '--timeout');
  const partMiB = positiveNumber(values['part-size'], '--part-size');
  if (partMiB !== undefined && (partMiB < 0.0625 || partMiB > 190)) {
    throw new UsageError('--part-size is in MB, from 0.0625 to 190');
  }
  return {
    profile: values.profile,
    endpoint: values.endpoint,
    functionName: values.function,
    region: values.region,
    target: values.target,
    sql: values.command,
    output: values.output,
    format: oneOf(values.format, EXPORT_FORMATS, '--format') ?? formatFromPath(values.output),
    timeoutMs: timeout === undefined ? undefined : Math.round(timeout * 1000),
    escapeFormulas: values['csv-escape-formulas'] === true,
    compression: oneOf(values.compression, EXPORT_COMPRESSIONS, '--compression'),
    partBytes: partMiB === undefined ? undefined : Math.round(partMiB * 1_000_000),
    quiet: values.quiet === true,
  };
}

/** Progress on stderr: one redrawn line on a terminal, an occasional line elsewhere. */
function progressPrinter(stderr: NodeJS.WriteStream): (progress: ExportProgress) => void {
  let lastLine = 0;
  return (progress) => {
    if (stderr.isTTY) {
      stderr.write(`\r\x1b[K${formatProgress(progress)}${progress.done ? '\n' : ''}`);
      return;
    }
    const now = performance.now();
    if (progress.done || now - lastLine < LOG_PROGRESS_EVERY_MS) return;
    lastLine = now;
    stderr.write(`${formatProgress(progress)}\n`);
  };
}

async function runExport(options: ExportOptions, io: CliIo): Promise<number> {
  const connection = await connect(options);
  const abort = new AbortController();
  const onInterrupt = (): void => abort.abort();
  process.once('SIGINT', onInterrupt);
  process.once('SIGTERM', onInterrupt);
  try {
    const result = await exportToFile({
      session: connection.session,
      sql: options.sql,
      path: options.output,
      format: options.format,
      signal: abort.signal,
      onProgress: options.quiet ? undefined : progressPrinter(io.stderr),
      formatOptions: { escapeFormulas: options.escapeFormulas },
      client: {
        ...(options.compression === undefined ? {} : { compression: options.compression }),
        ...(options.partBytes === undefined ? {} : { partBytes: options.partBytes }),
        ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
      },
    });
    if (!options.quiet) {
      const seconds = result.progress.elapsedMs / 1000;
      io.stderr.write(
        `exported ${result.rows.toLocaleString('en-US')} rows to ${options.output} ` +
          `(${(result.bytes / 1e6).toFixed(1)} MB in ${seconds.toFixed(1)} s` +
          `${result.parts > 1 ? `, ${result.parts} parts` : ''})\n`,
      );
    }
    return EXIT_OK;
  } catch (error) {
    if (io.stderr.isTTY) io.stderr.write('\r\x1b[K');
    io.stderr.write(`${formatError(error, options.sql)}\n`);
    io.stderr.write(
      `dbq export: nothing written to ${options.output} (${partialPath(options.output)} removed)\n`,
    );
    return exitCodeFor(error);
  } finally {
    process.off('SIGINT', onInterrupt);
    process.off('SIGTERM', onInterrupt);
    await connection.close();
  }
}

/**
 * `dbq export`: a read's whole result to a file over Lambda response streaming — the statement runs
 * once, rows stream compressed with a verified trailer, the file appears only when complete.
 */
export const exportCommand: Subcommand = {
  name: 'export',
  usage: 'dbq export [-p NAME | --endpoint URL --function NAME] -c "SQL" -o FILE [--format csv|ndjson|json]',
  run(argv, io) {
    return runExport(parseExportArgs(argv), io);
  },
};
