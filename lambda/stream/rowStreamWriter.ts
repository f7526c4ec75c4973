import { createHash, type Hash } from 'node:crypto';
import type { Writable } from 'node:stream';
import { constants, createBrotliCompress, createGzip, type BrotliCompress, type Gzip } from 'node:zlib';
import {
  DbqError,
  exportPreamble,
  type ExportCompression,
  type ExportFailure,
  type ExportHead,
  type ExportResume,
} from '../../shared/protocol/index.js';
import { HeapBound } from './heapBound.js';

/** Fast levels by default: on a wide pipe compression is pure CPU cost; callers far away ask for more. */
const DEFAULT_LEVEL: Record<Exclude<ExportCompression, 'none'>, number> = { br: 1, gzip: 1 };
/**
 * The compressor is flushed after this much input, so what it holds back stays small: that bounds how far
 * the byte count can lag behind the real response size, and lets rows reach the client steadily.
 */
const FLUSH_EVERY_BYTES = 1024 * 1024;
const OUTPUT_CHUNK_BYTES = 64 * 1024;
/** Compressed output can exceed its input slightly on incompressible data; the estimate allows for it. */
const EXPANSION_SLACK = 1.01;

type Compressor = Gzip | BrotliCompress;

function createCompressor(compression: Exclude<ExportCompression, 'none'>, level: number): Compressor {
  // Room for a few writes, so the next megabyte is encoded while the compressor's thread works on this one.
  // zlib hands its options to the stream as well; its option types just omit the stream's.
  const writableHighWaterMark = 4 * FLUSH_EVERY_BYTES;
  if (compression === 'gzip') {
    const options = { level: Math.min(level, 9), chunkSize: OUTPUT_CHUNK_BYTES, writableHighWaterMark };
    return createGzip(options);
  }
  const options = {
    chunkSize: OUTPUT_CHUNK_BYTES,
    writableHighWaterMark,
    params: {
      [constants.BROTLI_PARAM_QUALITY]: level,
      [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
    },
  };
  return createBrotliCompress(options);
}

/** The bytes of a batch line: the JSON text of its rows and the line break, encoded once. */
export function batchLine(json: string): Buffer {
  const size = Buffer.byteLength(json);
  const line = Buffer.allocUnsafe(size + 1);
  line.write(json, 0, size, 'utf8');
  line[size] = 0x0a;
  return line;
}

const cancelled = (): DbqError => new DbqError('CANCELLED', 'the client closed the export stream');

/** Resolves on `event`; rejects when the stream fails or the export is aborted first. */
function settle(stream: NodeJS.EventEmitter, event: string, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const cleanup = (): void => {
      stream.off(event, onEvent);
      stream.off('error', onError);
      signal.removeEventListener('abort', onAbort);
    };
    const onEvent = (): void => {
      cleanup();
      resolve();
    };
    const onError = (error: Error): void => {
      cleanup();
      reject(error);
    };
    const onAbort = (): void => {
      cleanup();
      reject(cancelled());
    };
    if (signal.aborted) {
      onAbort();
      return;
    }
    stream.once(event, onEvent);
    stream.once('error', onError);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Writes one part of the row stream to a response stream: the uncompressed preamble, then head, batch and
 * trailer lines through the compressor. Every write waits while the response is full, so a slow reader
 * slows the caller (and, through it, the database cursor) instead of filling memory. It hashes what the
 * trailer must vouch for and counts the bytes the response will have carried.
 */
export class RowStreamWriter {
  private readonly compressor: Compressor | null;
  private readonly hash: Hash = createHash('sha256');
  private readonly sink: Writable;
  private sentBytes: number;
  private sinceFlush = 0;
  private held: Buffer[] = [];
  private ended = false;
  private readonly heap = new HeapBound();
  /** Rows written in batch lines so far. */
  rows = 0;

  constructor(
    private readonly response: Writable,
    readonly compression: ExportCompression,
    level: number | undefined,
    private readonly signal: AbortSignal,
  ) {
    const preamble = exportPreamble(compression);
    this.sentBytes = preamble.length;
    response.write(preamble);
    if (compression === 'none') {
      this.compressor = null;
      this.sink = response;
      return;
    }
    this.compressor = createCompressor(compression, level ?? DEFAULT_LEVEL[compression]);
    this.compressor.on('data', (chunk: Buffer) => {
      this.sentBytes += chunk.length;
    });
    // Errors of the response surface through the abort signal and the final wait, not here.
    this.compressor.pipe(response, { end: false });
    this.sink = this.compressor;
  }

  /**
   * An upper bound of the response's size once everything written so far has left the compressor; a part
   * ends before this plus its next batch would pass the part limit.
   */
  get bytesAhead(): number {
    return this.sentBytes + Math.ceil(this.sinceFlush * EXPANSION_SLACK) + 1024;
  }

  private async write(data: Buffer, hashed: boolean, last = false): Promise<void> {
    if (this.signal.aborted) throw cancelled();
    if (hashed) this.hash.update(data);
    const compressor = this.compressor;
    if (compressor === null) {
      this.sentBytes += data.length;
      if (!this.sink.write(data)) await settle(this.sink, 'drain', this.signal);
      return;
    }
    // Lines reach the compressor a megabyte at a time: each write to a zlib stream is a trip to the thread
    // pool with its own bookkeeping, and a flush per megabyte keeps what the compressor holds back small.
    this.held.push(data);
    this.sinceFlush += data.length;
    if (this.sinceFlush < FLUSH_EVERY_BYTES && !last) return;
    const accepted = compressor.write(this.held.length === 1 ? data : Buffer.concat(this.held));
    this.held = [];
    this.sinceFlush = 0;
    compressor.flush(this.compression === 'gzip' ? constants.Z_SYNC_FLUSH : constants.BROTLI_OPERATION_FLUSH);
    if (!accepted) await settle(compressor, 'drain', this.signal);
  }

  writeHead(head: ExportHead): Promise<void> {
    return this.write(Buffer.from(`${JSON.stringify(head)}\n`), true);
  }

  /** Writes one batch line (from `batchLine`) holding `rows` rows. */
  writeBatch(line: Buffer, rows: number): Promise<void> {
    this.rows += rows;
    this.heap.note(line.length);
    return this.write(line, true);
  }

  /** Ends the part with its verified trailer: the rows it carried and where the next part starts. */
  async finish(rows: number, next: ExportResume | null): Promise<void> {
    const sha256 = this.hash.digest('hex');
    await this.write(Buffer.from(`${JSON.stringify({ t: 'end', rows, sha256, next })}\n`), false, true);
    await this.end();
  }

  /** Ends the part with an error trailer: whatever was written before it is not a complete export. */
  async fail(error: DbqError): Promise<void> {
    const trailer: ExportFailure = { t: 'error', rows: this.rows, error: error.toJSON() };
    await this.write(Buffer.from(`${JSON.stringify(trailer)}\n`), false, true);
    await this.end();
  }

  private async end(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    if (this.compressor !== null) {
      const ended = settle(this.compressor, 'end', this.signal);
      this.compressor.end();
      await ended;
    }
    const finished = settle(this.response, 'finish', this.signal);
    this.response.end();
    await finished;
  }

  /** Stops compressing after a failure that leaves nothing more to say (the client is gone). */
  destroy(): void {
    this.ended = true;
    this.compressor?.unpipe();
    this.compressor?.destroy();
  }
}
