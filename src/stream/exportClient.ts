import { randomUUID } from 'node:crypto';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import {
  DbqError,
  PROTOCOL_VERSION,
  type Column,
  type ExportCompression,
  type ExportHead,
  type ExportRequest,
  type ExportResume,
} from '../../shared/protocol/index.js';
import type { ResultWriter } from '../format/types.js';
import type { RequestProver } from '../identity/prover.js';
import type { QuerySession } from '../session/querySession.js';
import { LambdaTransport, createLambdaClient } from '../transport/lambdaTransport.js';
import { lambdaStreamInvoker, type StreamInvoker } from './invokeStream.js';
import { readExportPart } from './partReader.js';
import { ProgressMeter, type ExportProgress, type ProgressListener } from './progress.js';

/**
 * Brotli quality for a function far away: Lambda caps a stream at ~2 MB/s after its first 6 MB, so bytes
 * are dear (quality 5 packs rows ~25% tighter than 1-4, at several times the CPU). A loopback function
 * (`dbq local`) gets the fastest quality: the wire is free there, but the 200 MB response limit is not,
 * and an uncompressed stream would reach it, and need a re-run, every two million rows or so.
 */
const REMOTE_COMPRESSION_LEVEL = 5;
const LOOPBACK_COMPRESSION_LEVEL = 1;

export interface ExportClientOptions {
  invoker: StreamInvoker;
  /** Attaches an identity proof to each part's request, as the session does for `execute`. */
  prover?: RequestProver | undefined;
  /** The function's target name (absent: its default target). */
  target?: string | undefined;
  compression?: ExportCompression;
  compressionLevel?: number;
  /** Ask the function to end each part (and continue in a new invocation) below this many bytes. */
  partBytes?: number;
  timeoutMs?: number;
  /** Released by `close()`. */
  client?: LambdaClient;
}

export interface ExportRunOptions {
  signal?: AbortSignal | undefined;
  onProgress?: ProgressListener | undefined;
  /** Bytes of output written so far, for progress (e.g. the file stream's `bytesWritten`). */
  outputBytes?: () => number;
  /** Leave the final (`done`) report to the caller, which knows when the output is really complete. */
  deferFinalReport?: boolean;
}

export interface ExportSummary {
  columns: Column[];
  command: string | null;
  rows: number;
  parts: number;
  progress: ExportProgress;
}

function sameColumns(a: Column[], b: Column[]): boolean {
  return (
    a.length === b.length &&
    a.every(
      (column, i) => column.name === b[i]?.name && column.type === b[i]?.type && column.kind === b[i]?.kind,
    )
  );
}

function isLoopback(endpoint: string | undefined): boolean {
  if (endpoint === undefined) return false;
  try {
    const host = new URL(endpoint).hostname;
    return host === 'localhost' || host === '[::1]' || host.startsWith('127.');
  } catch {
    return false;
  }
}

/**
 * Streams a read's whole result from the query function (Lambda response streaming) into a result writer:
 * one invocation runs the statement once and streams its rows; when the function ends a part near
 * Lambda's response limit (or its time limit), the next part resumes where it stopped and the rows are
 * stitched into the same writer. Every part must arrive with a trailer that matches its rows and SHA-256;
 * anything else fails the export. Memory stays constant: one batch at a time, paced by the writer.
 */
export class ExportClient {
  constructor(private readonly options: ExportClientOptions) {}

  /** A client for the function a session's transport invokes, with the session's target and prover. */
  static fromSession(
    session: QuerySession,
    overrides: Partial<Omit<ExportClientOptions, 'invoker' | 'client'>> = {},
  ): ExportClient {
    const transport = session.transport;
    if (!(transport instanceof LambdaTransport)) {
      throw new DbqError('BAD_REQUEST', `export needs a Lambda transport; ${transport.description} has none`);
    }
    const client = createLambdaClient(transport.target);
    const remote = !isLoopback(transport.target.endpoint);
    return new ExportClient({
      invoker: lambdaStreamInvoker(client, transport.target.functionName),
      prover: session.prover,
      target: session.target,
      client,
      compression: 'br',
      compressionLevel: remote ? REMOTE_COMPRESSION_LEVEL : LOOPBACK_COMPRESSION_LEVEL,
      ...overrides,
    });
  }

  private async request(sql: string, resume: ExportResume | undefined): Promise<ExportRequest> {
    const { compression, compressionLevel, partBytes, timeoutMs } = this.options;
    const request: ExportRequest = {
      v: PROTOCOL_VERSION,
      op: 'export',
      requestId: randomUUID(),
      ...(this.options.target === undefined ? {} : { target: this.options.target }),
      sql,
      options: {
        compression: compression ?? 'br',
        ...(compressionLevel === undefined ? {} : { compressionLevel }),
        ...(partBytes === undefined ? {} : { partBytes }),
        ...(timeoutMs === undefined ? {} : { timeoutMs }),
        ...(resume === undefined ? {} : { resume }),
      },
    };
    if (this.options.prover) request.identity = await this.options.prover.prove(request);
    return request;
  }

  /**
   * Runs the export into `writer` (`begin` once, `writeRows` per batch, `end` once the last part is
   * verified). Rejects with a DbqError — `CANCELLED` when the signal aborts — leaving `writer` unended.
   */
  async exportRows(sql: string, writer: ResultWriter, run: ExportRunOptions = {}): Promise<ExportSummary> {
    const signal = run.signal ?? new AbortController().signal;
    const meter = new ProgressMeter(run.onProgress, run.outputBytes ?? (() => 0));
    let columns: Column[] | null = null;
    let command: string | null = null;
    let resume: ExportResume | undefined;
    for (;;) {
      if (signal.aborted) throw new DbqError('CANCELLED', 'export cancelled');
      meter.parts += 1;
      const expectedOffset = resume?.skipRows ?? 0;
      const onHead = async (head: ExportHead): Promise<void> => {
        if (head.rowOffset !== expectedOffset) {
          throw new DbqError(
            'INTERNAL',
            `part ${head.part} starts at row ${head.rowOffset}, not ${expectedOffset}`,
          );
        }
        if (columns === null) {
          columns = head.columns;
          command = head.command;
          await writer.begin(head.columns);
        } else if (!sameColumns(columns, head.columns)) {
          throw new DbqError(
            'CURSOR_EXPIRED',
            'the result changed shape between parts of the export; run the export again',
          );
        }
      };
      const request = await this.request(sql, resume);
      const trailer = await readExportPart(this.options.invoker(request, signal), {
        onHead,
        onRows: async (rows) => {
          await writer.writeRows(rows);
          meter.rows += rows.length;
          meter.tick();
        },
        onBytes: (bytes) => {
          meter.receivedBytes += bytes;
        },
      });
      if (trailer.next === null) break;
      if (trailer.rows === 0 || trailer.next.skipRows !== expectedOffset + trailer.rows) {
        throw new DbqError('INTERNAL', 'the query function asked to continue an export without progress');
      }
      resume = trailer.next;
    }
    const finalColumns: Column[] = columns ?? [];
    await writer.end({
      command,
      rowCount: meter.rows,
      affectedRows: null,
      truncated: false,
      elapsedMs: Math.round(meter.snapshot(false).elapsedMs),
    });
    const progress = run.deferFinalReport === true ? meter.snapshot(true) : meter.finish();
    return { columns: finalColumns, command, rows: meter.rows, parts: meter.parts, progress };
  }

  close(): void {
    this.options.client?.destroy();
  }
}
