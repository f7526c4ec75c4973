import { z } from 'zod';
import { DbqError, ERROR_CODES, type WireError } from './errors.js';
import { COLUMN_KINDS, isCell, type Cell, type Column } from './values.js';

/**
 * The row stream of an `export` request, as the query function writes it to its streamed response:
 *
 * ```
 * dbq-export/1 br\n                      preamble, uncompressed: the codec of everything after it
 * {"t":"head",…}\n                       compressed from here on: columns, audit id, where this part starts
 * [[cell,…],[cell,…],…]\n                 one line per batch of rows, cells in the protocol's cell encoding
 * …
 * {"t":"end",…}\n  or  {"t":"error",…}\n  the trailer: rows and SHA-256 of this part, or the error
 * ```
 *
 * JSON text never holds a raw line break, so `\n` always ends a line. `sha256` covers every byte of the
 * uncompressed lines before the trailer (head and batches), so a client can tell a complete part from a cut
 * or altered one. A part without its trailer is a failed export, never a short one.
 */
export const EXPORT_STREAM_VERSION = 1;
export const EXPORT_COMPRESSIONS = ['br', 'gzip', 'none'] as const;
export type ExportCompression = (typeof EXPORT_COMPRESSIONS)[number];

/** Lambda cuts a streamed response at 200 MB; each part ends, with a continuation, safely below it. */
export const LAMBDA_STREAM_LIMIT_BYTES = 200 * 1000 * 1000;
export const MAX_EXPORT_PART_BYTES = 190 * 1000 * 1000;
export const MIN_EXPORT_PART_BYTES = 64 * 1024;

const PREAMBLE = /^dbq-export\/(\d+) ([a-z]+)$/;

/** The uncompressed first line of every export response. */
export function exportPreamble(compression: ExportCompression): string {
  return `dbq-export/${EXPORT_STREAM_VERSION} ${compression}\n`;
}

/** Reads the preamble line (without its `\n`); anything else is not an export stream. */
export function parseExportPreamble(line: string): ExportCompression {
  const match = PREAMBLE.exec(line);
  const codec = match?.[2] as ExportCompression | undefined;
  if (!match || codec === undefined || !EXPORT_COMPRESSIONS.includes(codec)) {
    throw new DbqError(
      'INTERNAL',
      `the query function did not answer with an export stream: ${JSON.stringify(line.slice(0, 80))}`,
    );
  }
  if (Number(match[1]) !== EXPORT_STREAM_VERSION) {
    throw new DbqError(
      'BAD_REQUEST',
      `unsupported export stream version ${match[1]}; this side speaks version ${EXPORT_STREAM_VERSION}`,
    );
  }
  return codec;
}

/**
 * Where the next part starts: after `skipRows` rows of the re-run statement. `lastRowSha256` is the
 * SHA-256 of the JSON text of the last row delivered, so the next part can check that the re-run
 * statement returns the same row there (it does only with a deterministic order on a stable snapshot).
 */
export const ExportResumeSchema = z.strictObject({
  part: z.int().min(1),
  skipRows: z.int().min(0),
  lastRowSha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .nullable(),
});
export type ExportResume = z.infer<typeof ExportResumeSchema>;

export interface ExportHead {
  t: 'head';
  requestId: string;
  auditId: string;
  /** 0 for the first part, then 1, 2, … for continuations. */
  part: number;
  /** Index of this part's first row within the whole export. */
  rowOffset: number;
  columns: Column[];
  command: string | null;
}

export interface ExportEnd {
  t: 'end';
  /** Rows in this part. */
  rows: number;
  /** Hex SHA-256 of this part's uncompressed lines before the trailer. */
  sha256: string;
  /** Null when the export is complete; otherwise the `resume` of the next part's request. */
  next: ExportResume | null;
}

export interface ExportFailure {
  t: 'error';
  /** Rows this part had written before it failed. */
  rows: number;
  error: WireError;
}

export type ExportTrailer = ExportEnd | ExportFailure;
export type ExportControl = ExportHead | ExportTrailer;

const ColumnSchema = z.strictObject({ name: z.string(), type: z.string(), kind: z.enum(COLUMN_KINDS) });

const ExportControlSchema = z.discriminatedUnion('t', [
  z.strictObject({
    t: z.literal('head'),
    requestId: z.string(),
    auditId: z.string(),
    part: z.int().min(0),
    rowOffset: z.int().min(0),
    columns: z.array(ColumnSchema),
    command: z.string().nullable(),
  }),
  z.strictObject({
    t: z.literal('end'),
    rows: z.int().min(0),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    next: ExportResumeSchema.nullable(),
  }),
  z.strictObject({
    t: z.literal('error'),
    rows: z.int().min(0),
    error: z.looseObject({ code: z.enum(ERROR_CODES), message: z.string() }),
  }),
]);

/** Validates a head or trailer line; a malformed one is an INTERNAL error. */
export function parseExportControl(value: unknown): ExportControl {
  const parsed = ExportControlSchema.safeParse(value);
  if (!parsed.success) {
    throw new DbqError('INTERNAL', `malformed export stream line: ${parsed.error.issues[0]?.message ?? ''}`);
  }
  return parsed.data;
}

/** Validates a batch line's rows: arrays of `width` cells. */
export function checkExportBatch(value: unknown, width: number): Cell[][] {
  if (!Array.isArray(value)) throw new DbqError('INTERNAL', 'malformed export stream batch: not an array');
  for (const row of value as unknown[]) {
    if (!Array.isArray(row) || row.length !== width || !row.every(isCell)) {
      throw new DbqError('INTERNAL', `malformed export stream batch: rows must be ${width} cells`);
    }
  }
  return value as Cell[][];
}
