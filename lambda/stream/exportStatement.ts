import {
  DbqError,
  MAX_EXPORT_PART_BYTES,
  type Cell,
  type ExportRequest,
  type ExportResume,
} from '../../shared/protocol/index.js';
import type { AuditTrail } from '../auditTrail.js';
import type { EngineConnection, StatementResult } from '../engines/types.js';
import { classifyStatement, statementTimeout, type Caller } from '../execute.js';
import type { Runtime } from '../runtime.js';
import { sha256Hex } from '../statement.js';
import { batchLine, type RowStreamWriter } from './rowStreamWriter.js';

/** Rows asked of the cursor first; later batches are sized to about TARGET_BATCH_BYTES of encoded rows. */
const FIRST_BATCH_ROWS = 1000;
const MIN_BATCH_ROWS = 16;
const MAX_BATCH_ROWS = 10_000;
const TARGET_BATCH_BYTES = 512 * 1024;
/**
 * One line of the row stream carries about this much: below V8's large-object threshold (128 KiB), so the
 * strings built for a line are collected young instead of growing the old generation of both processes.
 */
const TARGET_LINE_BYTES = 64 * 1024;
const FIRST_LINE_ROWS = 200;
const SKIP_CHUNK_ROWS = 10_000;
/** Room kept for the trailer and what the compressor adds when it ends. */
const TRAILER_RESERVE_BYTES = 4096;
/**
 * A part ends (with a continuation) this long before the function's deadline, or before a statement
 * timeout that keeps running while the stream waits (MariaDB), so it always ends with a trailer.
 */
const TIME_MARGIN_MS = 10_000;

export interface ExportPartResult {
  /** Rows this part carried. */
  rows: number;
  /** Index of this part's first row in the whole export. */
  rowOffset: number;
  next: ExportResume | null;
}

/** What the export loop needs from the invocation. */
export interface ExportContext {
  remainingMs(): number;
  /** Aborted when the client closes the stream. */
  signal: AbortSignal;
}

const cancelled = (): DbqError =>
  new DbqError('CANCELLED', 'the client closed the export stream; the statement was stopped');

function rowSha256(row: Cell[]): string {
  return sha256Hex(JSON.stringify(row));
}

/**
 * Skips the rows earlier parts delivered and checks that the last of them is the row the previous part
 * ended with: re-running a statement yields the same rows only with a deterministic order on unchanged data.
 */
async function skipDelivered(
  statement: StatementResult,
  resume: ExportResume,
  signal: AbortSignal,
): Promise<void> {
  let skipped = 0;
  let last: Cell[] | undefined;
  while (skipped < resume.skipRows) {
    const rows = await statement.readRows(Math.min(SKIP_CHUNK_ROWS, resume.skipRows - skipped));
    if (signal.aborted) throw cancelled();
    if (rows.length === 0) break;
    skipped += rows.length;
    last = rows[rows.length - 1];
  }
  const changed =
    skipped < resume.skipRows ||
    (resume.lastRowSha256 !== null && (last === undefined || rowSha256(last) !== resume.lastRowSha256));
  if (changed) {
    throw new DbqError(
      'CURSOR_EXPIRED',
      `the statement's rows changed between parts of the export (at row ${resume.skipRows}): a multi-part ` +
        'export re-runs the statement, so it needs ORDER BY a unique key and data that does not change meanwhile',
    );
  }
}

/** How many leading rows of `batch` fit in `room` bytes of batch line. */
function rowsThatFit(batch: Cell[][], room: number): number {
  let bytes = 3;
  for (let index = 0; index < batch.length; index++) {
    bytes += Buffer.byteLength(JSON.stringify(batch[index])) + 1;
    if (bytes > room) return index;
  }
  return batch.length;
}

async function streamRows(
  connection: EngineConnection,
  statement: StatementResult,
  writer: RowStreamWriter,
  options: { partBytes: number; deadline: number; resume: ExportResume | undefined },
  signal: AbortSignal,
): Promise<{ rows: number; next: ExportResume | null }> {
  const part = options.resume?.part ?? 0;
  const offset = options.resume?.skipRows ?? 0;
  let batchRows = FIRST_BATCH_ROWS;
  let lineRows = FIRST_LINE_ROWS;
  let rows = 0;
  let last: Cell[] | undefined;
  const endPart = (): { rows: number; next: ExportResume } => ({
    rows,
    next: {
      part: part + 1,
      skipRows: offset + rows,
      lastRowSha256: last === undefined ? null : rowSha256(last),
    },
  });
  // One read is always in flight while the previous batch is encoded and written: the database produces
  // rows while this side works. A full response stops the loop, so the cursor waits too.
  let pending = statement.readRows(batchRows);
  try {
    for (;;) {
      const batch = await pending;
      if (signal.aborted || connection.broken) throw signal.aborted ? cancelled() : statementLost();
      if (batch.length === 0) return { rows, next: null };
      pending = statement.readRows(batchRows);
      let batchBytes = 0;
      for (let start = 0; start < batch.length; start += lineRows) {
        const slice = batch.slice(start, start + lineRows);
        const line = batchLine(JSON.stringify(slice));
        batchBytes += line.length;
        const room = options.partBytes - writer.bytesAhead - TRAILER_RESERVE_BYTES;
        if (rows > 0 && Date.now() > options.deadline) return endPart();
        if (line.length > room) {
          const fit = rowsThatFit(slice, room);
          if (fit === 0 && rows === 0) {
            throw new DbqError(
              'TOO_LARGE',
              `row ${offset + 1} alone does not fit in an export part of ${options.partBytes} bytes; select fewer or shorter columns`,
            );
          }
          if (fit > 0) await writer.writeBatch(batchLine(JSON.stringify(slice.slice(0, fit))), fit);
          rows += fit;
          if (fit > 0) last = slice[fit - 1];
          return endPart();
        }
        await writer.writeBatch(line, slice.length);
        rows += slice.length;
        last = slice[slice.length - 1];
      }
      // Lines stay under V8's large-object size, so their strings die young on both sides; cursor reads
      // are bigger, to keep round trips to the database few.
      const rowBytes = Math.max(1, batchBytes / batch.length);
      lineRows = Math.max(1, Math.min(MAX_BATCH_ROWS, Math.floor(TARGET_LINE_BYTES / rowBytes)));
      batchRows = Math.max(
        MIN_BATCH_ROWS,
        Math.min(MAX_BATCH_ROWS, Math.round(TARGET_BATCH_BYTES / rowBytes)),
      );
    }
  } finally {
    // The read in flight must settle before the statement is closed on the same session.
    await pending.catch(() => undefined);
  }
}

function statementLost(): DbqError {
  return new DbqError('CONNECTION', 'the database session was lost during the export');
}

/**
 * Runs one part of an export: the statement runs once, in a READ ONLY transaction, with a database
 * cursor, and its rows go to `writer` batch by batch until the result ends (trailer without continuation)
 * or the part nears its byte or time limit (trailer with the continuation the next part resumes from).
 * Only queries can be exported, whatever the role.
 */
export async function exportStatement(
  runtime: Runtime,
  trail: AuditTrail,
  caller: Caller,
  request: ExportRequest,
  writer: RowStreamWriter,
  context: ExportContext,
): Promise<ExportPartResult> {
  const { target } = caller;
  const sql = request.sql;
  await classifyStatement(caller, trail, sql, true);
  const resume = request.options?.resume;
  const remainingMs = context.remainingMs();
  const timeoutMs = statementTimeout(
    runtime,
    request.options?.timeoutMs ?? runtime.config.limits.maxTimeoutMs,
    remainingMs,
  );
  const budgetMs = target.engine.timeoutCoversPausedReads ? Math.min(timeoutMs, remainingMs) : remainingMs;
  // A short budget (a small --timeout) keeps most of itself: parts must stay long enough to make progress.
  const deadline = Date.now() + budgetMs - Math.min(TIME_MARGIN_MS, budgetMs / 10);
  const partBytes = Math.min(request.options?.partBytes ?? MAX_EXPORT_PART_BYTES, MAX_EXPORT_PART_BYTES);
  trail.allow();

  const connection = await target.pool.acquire(caller.role);
  let statement: StatementResult | undefined;
  try {
    statement = await connection.execute(sql, {
      readOnly: true,
      timeoutMs,
      prefetchRows: FIRST_BATCH_ROWS,
    });
    if (resume) await skipDelivered(statement, resume, context.signal);
    const rowOffset = resume?.skipRows ?? 0;
    await writer.writeHead({
      t: 'head',
      requestId: request.requestId,
      auditId: trail.auditId,
      part: resume?.part ?? 0,
      rowOffset,
      columns: statement.columns,
      command: statement.command,
    });
    const { rows, next } = await streamRows(
      connection,
      statement,
      writer,
      { partBytes, deadline, resume },
      context.signal,
    );
    await statement.close('rollback');
    statement = undefined;
    await writer.finish(rows, next);
    return { rows, rowOffset, next };
  } catch (error) {
    if (context.signal.aborted) throw cancelled();
    throw target.engine.toDbqError(error);
  } finally {
    if (statement) await statement.close('rollback').catch(() => undefined);
    await target.pool.release(caller.role, connection);
  }
}
