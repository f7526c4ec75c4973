import { createWriteStream, type WriteStream } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { finished } from 'node:stream/promises';
import { DbqError } from '../../shared/protocol/errors.js';
import type { Cell, Column } from '../../shared/protocol/values.js';
import { createResultWriter } from '../format/index.js';
import type { ResultStream, StatementOptions } from '../session/querySession.js';
import type { ExportFormat } from './formats.js';

/** What an export needs from a session: one statement, read page by page. */
export interface ExportSession {
  execute(sql: string, options: StatementOptions): Promise<ResultStream>;
}

export interface ExportProgress {
  rows: number;
  bytes: number;
  elapsedMs: number;
  /** Rows per second so far. */
  rate: number;
}

export interface ExportRequest {
  session: ExportSession;
  sql: string;
  path: string;
  format: ExportFormat;
  signal?: AbortSignal;
  onProgress?: (progress: ExportProgress) => void;
}

export interface ExportSummary {
  rows: number;
  bytes: number;
  path: string;
}

/** Large pages: an export reads everything, so fewer round trips matter more than latency. */
const EXPORT_PAGE_ROWS = 5_000;
const EXPORT_PAGE_BYTES = 4 * 1024 * 1024;
const PROGRESS_INTERVAL_MS = 100;

function cancelled(): DbqError {
  return new DbqError('CANCELLED', 'export cancelled; the partial file was removed');
}

/** Resolves with the promise's value, or rejects as soon as the signal aborts (the promise runs on). */
function unlessAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(cancelled());
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(cancelled());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

function bytesOf(file: WriteStream): number {
  return file.bytesWritten + file.writableLength;
}

async function discard(file: WriteStream, path: string): Promise<void> {
  file.destroy();
  await finished(file).catch(() => undefined);
  await unlink(path).catch(() => undefined);
}

/**
 * Runs the statement again and streams every page of its result to a file, one page in memory at a
 * time (the writer waits for the file to accept each page). Progress is reported at most ten times a
 * second and once at the end. Aborting stops at once: the statement's cursor is closed and the partial
 * file removed, and the promise rejects with `CANCELLED`.
 */
export async function exportResult(request: ExportRequest): Promise<ExportSummary> {
  const { session, sql, path, format, signal, onProgress } = request;
  if (signal?.aborted) throw cancelled();
  const started = performance.now();
  const file = createWriteStream(path);
  const opened = new Promise<void>((resolve, reject) => {
    file.once('open', () => resolve());
    file.once('error', reject);
  });
  let stream: ResultStream | null = null;
  const pending = session.execute(sql, {
    prefetch: true,
    pageRows: EXPORT_PAGE_ROWS,
    pageBytes: EXPORT_PAGE_BYTES,
  });
  let rows = 0;
  let lastReport = 0;
  const report = (force: boolean): void => {
    const now = performance.now();
    if (!onProgress || (!force && now - lastReport < PROGRESS_INTERVAL_MS)) return;
    lastReport = now;
    const elapsedMs = now - started;
    onProgress({
      rows,
      bytes: bytesOf(file),
      elapsedMs,
      rate: elapsedMs > 0 ? (rows * 1000) / elapsedMs : 0,
    });
  };
  try {
    await unlessAborted(opened, signal);
    stream = await unlessAborted(pending, signal);
    const writer = createResultWriter(format, file);
    await writer.begin(stream.columns);
    for (;;) {
      const page = await unlessAborted(stream.fetchNextPage(), signal);
      if (!page) break;
      if (page.rows.length > 0) await unlessAborted(writer.writeRows(page.rows), signal);
      rows += page.rows.length;
      report(false);
    }
    await writer.end({
      command: stream.command,
      rowCount: rows,
      affectedRows: stream.lastPage.affectedRows,
      truncated: stream.lastPage.truncated,
      elapsedMs: Math.round(performance.now() - started),
    });
    file.end();
    await unlessAborted(finished(file), signal);
    report(true);
    return { rows, bytes: file.bytesWritten, path };
  } catch (error) {
    await discard(file, path);
    if (stream) await stream.close().catch(() => undefined);
    // A statement still on its way is closed when it arrives: nobody will read it.
    else void pending.then((late) => late.close()).catch(() => undefined);
    throw error;
  }
}

/**
 * Writes rows already in hand (a statement that must not be run twice: it was not read-only, and a write
 * is never held open, so its whole result is here).
 */
export async function exportRows(request: {
  columns: Column[];
  rows: readonly Cell[][];
  path: string;
  format: ExportFormat;
}): Promise<ExportSummary> {
  const file = createWriteStream(request.path);
  try {
    const writer = createResultWriter(request.format, file);
    await writer.begin(request.columns);
    if (request.rows.length > 0) await writer.writeRows([...request.rows]);
    await writer.end({
      command: null,
      rowCount: request.rows.length,
      affectedRows: null,
      truncated: false,
      elapsedMs: 0,
    });
    file.end();
    await finished(file);
    return { rows: request.rows.length, bytes: file.bytesWritten, path: request.path };
  } catch (error) {
    await discard(file, request.path);
    throw error;
  }
}
