import { createHash } from 'node:crypto';
import { Readable, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createBrotliDecompress, createGunzip } from 'node:zlib';
import {
  DbqError,
  checkExportBatch,
  parseExportControl,
  parseExportPreamble,
  type Cell,
  type ExportCompression,
  type ExportEnd,
  type ExportHead,
} from '../../shared/protocol/index.js';
import { HeapBound } from './heapBound.js';

const NEWLINE = 0x0a;
const NEWLINE_BYTES = Buffer.from('\n');
/** A preamble is a few bytes; anything longer without a line break is not an export stream. */
const MAX_PREAMBLE_BYTES = 64;

/** What the reader hands on while a part streams in; each call is awaited, so it paces the stream. */
export interface PartHandlers {
  onHead(head: ExportHead): Promise<void> | void;
  onRows(rows: Cell[][]): Promise<void>;
  /** Compressed bytes as they arrive, for progress. */
  onBytes?(bytes: number): void;
}

/**
 * Output in pieces the size of a few lines: zlib's default 16 KiB pieces split almost every line, and the
 * per-piece work (events, reassembling lines) measured costlier than the decompression itself.
 */
const INFLATED_CHUNK_BYTES = 256 * 1024;

function decompressor(codec: ExportCompression): Transform | null {
  if (codec === 'br') return createBrotliDecompress({ chunkSize: INFLATED_CHUNK_BYTES });
  if (codec === 'gzip') return createGunzip({ chunkSize: INFLATED_CHUNK_BYTES });
  return null;
}

/** Splits the response into its uncompressed preamble (read here) and the bytes after it. */
async function* afterPreamble(
  chunks: AsyncIterable<Uint8Array>,
  onCodec: (codec: ExportCompression) => void,
  onBytes: ((bytes: number) => void) | undefined,
): AsyncGenerator<Buffer> {
  let head: Buffer | null = Buffer.alloc(0);
  for await (const chunk of chunks) {
    onBytes?.(chunk.length);
    const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (head === null) {
      yield bytes;
      continue;
    }
    head = Buffer.concat([head, bytes]);
    const end = head.indexOf(NEWLINE);
    if (end === -1) {
      if (head.length > MAX_PREAMBLE_BYTES) onCodec(parseExportPreamble(head.toString('latin1')));
      continue;
    }
    onCodec(parseExportPreamble(head.subarray(0, end).toString('latin1')));
    const rest = head.subarray(end + 1);
    head = null;
    if (rest.length > 0) yield rest;
  }
}

/** The lines of the uncompressed row stream: the head, batches, and the trailer, checked as they pass. */
class LineChecker {
  private readonly hash = createHash('sha256');
  private carry: Buffer[] = [];
  private head: ExportHead | null = null;
  private rows = 0;
  private readonly heap = new HeapBound();
  trailer: ExportEnd | null = null;

  constructor(private readonly handlers: PartHandlers) {}

  async push(chunk: Buffer): Promise<void> {
    let start = 0;
    for (;;) {
      const end = chunk.indexOf(NEWLINE, start);
      if (end === -1) {
        if (start < chunk.length) this.carry.push(chunk.subarray(start));
        return;
      }
      const piece = chunk.subarray(start, end);
      const line = this.carry.length === 0 ? piece : Buffer.concat([...this.carry, piece]);
      this.carry = [];
      start = end + 1;
      await this.line(line);
    }
  }

  private async line(line: Buffer): Promise<void> {
    if (this.trailer !== null) throw new DbqError('INTERNAL', 'the export stream went on after its trailer');
    const value: unknown = JSON.parse(line.toString('utf8'));
    if (Array.isArray(value)) {
      if (this.head === null) throw new DbqError('INTERNAL', 'the export stream sent rows before its head');
      this.hash.update(line);
      this.hash.update(NEWLINE_BYTES);
      const rows = checkExportBatch(value, this.head.columns.length);
      this.rows += rows.length;
      this.heap.note(line.length);
      await this.handlers.onRows(rows);
      return;
    }
    const control = parseExportControl(value);
    switch (control.t) {
      case 'head':
        if (this.head !== null) throw new DbqError('INTERNAL', 'the export stream sent a second head');
        this.hash.update(line);
        this.hash.update(NEWLINE_BYTES);
        this.head = control;
        await this.handlers.onHead(control);
        return;
      case 'error':
        throw DbqError.fromWire(control.error);
      case 'end': {
        const sha256 = this.hash.digest('hex');
        if (this.head === null || control.rows !== this.rows || control.sha256 !== sha256) {
          throw new DbqError(
            'INTERNAL',
            `the export stream failed its check: the trailer vouches for ${control.rows} rows (SHA-256 ${control.sha256.slice(0, 12)}…), ` +
              `${this.rows} arrived (SHA-256 ${sha256.slice(0, 12)}…)`,
          );
        }
        this.trailer = control;
        return;
      }
    }
  }

  finish(): ExportEnd {
    if (this.carry.length > 0 || this.trailer === null) {
      throw new DbqError(
        'CONNECTION',
        `the export stream was cut after ${this.rows} rows of this part: it ended without its trailer`,
        { retryable: true },
      );
    }
    return this.trailer;
  }
}

/**
 * Reads one part of an export from the bytes of its response: the preamble names the codec, the rest is
 * decompressed and split into lines; rows go to the handlers batch by batch (each awaited, so the file
 * writer paces the network), and the part counts only when its trailer arrives and matches the row count
 * and SHA-256 of what was received. A cut stream, a bad checksum or an error trailer throws.
 */
export async function readExportPart(
  chunks: AsyncIterable<Uint8Array>,
  handlers: PartHandlers,
): Promise<ExportEnd> {
  let codec: ExportCompression | null = null;
  const bytes = afterPreamble(chunks, (found) => (codec = found), handlers.onBytes?.bind(handlers));
  const checker = new LineChecker(handlers);
  // What the lines said wins over what tearing the pipeline down then raises (an aborted response).
  let verdict: unknown;
  const consume = async (source: AsyncIterable<Buffer>): Promise<void> => {
    try {
      for await (const chunk of source) await checker.push(chunk);
    } catch (error) {
      verdict = error;
      throw error;
    }
  };
  // The codec is known once the first bytes are in; an empty response has none and fails as cut.
  const first = await bytes.next();
  if (first.done === true) return checker.finish();
  const inflate = codec === null ? null : decompressor(codec);
  const source = Readable.from(prepend(first.value, bytes), { objectMode: false });
  try {
    if (inflate === null) await pipeline(source, consume);
    else await pipeline(source, inflate, consume);
  } catch (thrown) {
    const error = verdict ?? thrown;
    if (error instanceof DbqError) throw error;
    if (error instanceof SyntaxError)
      throw new DbqError('INTERNAL', `malformed export stream: ${error.message}`);
    const cause = error as { code?: unknown; message?: string };
    if (typeof cause.code === 'string' && cause.code.startsWith('Z_')) {
      throw new DbqError('CONNECTION', `the export stream was cut or corrupted: ${cause.message ?? ''}`, {
        retryable: true,
      });
    }
    throw error;
  }
  return checker.finish();
}

/** The first chunk again, then the rest; closing this closes the response too. */
async function* prepend(first: Buffer, rest: AsyncGenerator<Buffer>): AsyncGenerator<Buffer> {
  yield first;
  yield* rest;
}
