import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { finished } from 'node:stream/promises';
import { DbqError } from '../../shared/protocol/index.js';
import { createResultWriter } from '../format/index.js';
import type { FormatOptions, OutputSink, ResultWriter } from '../format/types.js';
import type { QuerySession } from '../session/querySession.js';
import { CsvRowsWriter } from './csvRows.js';
import { ExportClient, type ExportClientOptions, type ExportSummary } from './exportClient.js';
import type { ProgressListener } from './progress.js';

export const EXPORT_FORMATS = ['csv', 'ndjson', 'json'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** Big writes: the file stream is the last stage of the pipeline and should cost few system calls. */
const FILE_HIGH_WATER_MARK = 256 * 1024;

/** The writer for an export format, with `src/format`'s semantics (CSV through its faster twin). */
export function exportWriter(
  format: ExportFormat,
  out: OutputSink,
  options: FormatOptions = {},
): ResultWriter {
  return format === 'csv' ? new CsvRowsWriter(out, options) : createResultWriter(format, out, options);
}

/** Where an export is written until its last part is verified. */
export function partialPath(path: string): string {
  return `${path}.partial`;
}

export interface FileExportOptions {
  session: QuerySession;
  sql: string;
  path: string;
  format: ExportFormat;
  signal?: AbortSignal | undefined;
  onProgress?: ProgressListener | undefined;
  formatOptions?: FormatOptions;
  /** Compression, part size and timeout of the export requests. */
  client?: Partial<Omit<ExportClientOptions, 'invoker' | 'client'>>;
}

export interface FileExportResult extends ExportSummary {
  path: string;
  bytes: number;
}

/**
 * Exports a read's whole result to a file over Lambda response streaming. The rows go to `PATH.partial`,
 * which becomes `PATH` only once every part's trailer has been verified and the file is flushed; on any
 * failure or cancellation the partial file is deleted, so no file that looks complete is ever left behind.
 */
export async function exportToFile(options: FileExportOptions): Promise<FileExportResult> {
  const partial = partialPath(options.path);
  const client = ExportClient.fromSession(options.session, options.client ?? {});
  const file = createWriteStream(partial, { highWaterMark: FILE_HIGH_WATER_MARK });
  const opened = new Promise<void>((resolve, reject) => {
    file.once('open', () => resolve());
    file.once('error', reject);
  });
  try {
    await opened;
    const writer = exportWriter(options.format, file, options.formatOptions ?? {});
    const summary = await client.exportRows(options.sql, writer, {
      signal: options.signal,
      onProgress: options.onProgress,
      outputBytes: () => file.bytesWritten + file.writableLength,
      deferFinalReport: true,
    });
    file.end();
    await finished(file);
    if (options.signal?.aborted) throw new DbqError('CANCELLED', 'export cancelled');
    await rename(partial, options.path);
    const progress = { ...summary.progress, bytes: file.bytesWritten };
    options.onProgress?.(progress);
    return { ...summary, progress, path: options.path, bytes: file.bytesWritten };
  } catch (error) {
    file.destroy();
    await rm(partial, { force: true });
    if (options.signal?.aborted)
      throw new DbqError('CANCELLED', 'export cancelled; the partial file was removed');
    throw error instanceof DbqError
      ? error
      : new DbqError('INTERNAL', `export to ${options.path} failed: ${(error as Error).message}`);
  } finally {
    client.close();
  }
}
