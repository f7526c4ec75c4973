import { z } from 'zod';
import { COLUMN_KINDS, isCell, type Cell, type Column } from './values.js';
import { ERROR_CODES, type WireError } from './errors.js';
import { IdentityProofSchema } from './identity.js';
import {
  EXPORT_COMPRESSIONS,
  ExportResumeSchema,
  MAX_EXPORT_PART_BYTES,
  MIN_EXPORT_PART_BYTES,
} from './exportStream.js';

/** The protocol version this build speaks. Each side refuses any other with `BAD_REQUEST`. */
export const PROTOCOL_VERSION = 1;

/** Lambda's synchronous payload limit is 6 MB; pages stay well under it, leaving room for the envelope. */
export const MAX_PAGE_BYTES = 5 * 1024 * 1024;
export const DEFAULT_PAGE_BYTES = 1024 * 1024;
export const MAX_PAGE_ROWS = 100_000;
export const DEFAULT_PAGE_ROWS = 500;
/** Statements longer than this are refused: Lambda's request limit is 6 MB and SQL is never that long. */
export const MAX_SQL_LENGTH = 1024 * 1024;
export const MAX_TIMEOUT_MS = 15 * 60 * 1000;

const requestId = z.string().min(1).max(128);
const target = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, _ . - only');

const pageOptions = {
  pageRows: z.int().min(1).max(MAX_PAGE_ROWS).optional(),
  pageBytes: z
    .int()
    .min(16 * 1024)
    .max(MAX_PAGE_BYTES)
    .optional(),
};

/** Run one statement and return its first page. */
export const ExecuteRequestSchema = z.strictObject({
  v: z.literal(PROTOCOL_VERSION),
  op: z.literal('execute'),
  requestId,
  target: target.optional(),
  sql: z.string().max(MAX_SQL_LENGTH),
  options: z
    .strictObject({
      ...pageOptions,
      timeoutMs: z.int().min(1).max(MAX_TIMEOUT_MS).optional(),
      /**
       * Re-run a read after its cursor was lost (another Lambda instance answered), discarding this many
       * rows. Always executed in a READ ONLY transaction, so a write can never run twice.
       */
      skipRows: z.int().min(0).optional(),
    })
    .optional(),
  identity: IdentityProofSchema.optional(),
});

/** Fetch the next page of a cursor the Lambda holds open. */
export const FetchRequestSchema = z.strictObject({
  v: z.literal(PROTOCOL_VERSION),
  op: z.literal('fetch'),
  requestId,
  target: target.optional(),
  cursor: z.string().min(1).max(256),
  options: z.strictObject(pageOptions).optional(),
  identity: IdentityProofSchema.optional(),
});

/** Close a cursor early (the user moved on); frees its connection. */
export const CloseRequestSchema = z.strictObject({
  v: z.literal(PROTOCOL_VERSION),
  op: z.literal('close'),
  requestId,
  target: target.optional(),
  cursor: z.string().min(1).max(256),
  identity: IdentityProofSchema.optional(),
});

/** Check identity, role and connectivity without running user SQL. */
export const PingRequestSchema = z.strictObject({
  v: z.literal(PROTOCOL_VERSION),
  op: z.literal('ping'),
  requestId,
  target: target.optional(),
  identity: IdentityProofSchema.optional(),
});

/**
 * Stream a read's whole result (Lambda response streaming only: `InvokeWithResponseStream`). The statement
 * runs once, READ ONLY, and its rows come back as the compressed row stream of `exportStream.ts`. A part
 * that nears the response size limit ends with a continuation; the next part re-runs the statement with
 * `resume` and skips the rows already delivered.
 */
export const ExportRequestSchema = z.strictObject({
  v: z.literal(PROTOCOL_VERSION),
  op: z.literal('export'),
  requestId,
  target: target.optional(),
  sql: z.string().max(MAX_SQL_LENGTH),
  options: z
    .strictObject({
      timeoutMs: z.int().min(1).max(MAX_TIMEOUT_MS).optional(),
      compression: z.enum(EXPORT_COMPRESSIONS).optional(),
      /** zlib level (gzip 1-9) or brotli quality (0-11); the codec's fast default when absent. */
      compressionLevel: z.int().min(0).max(11).optional(),
      /** End this part (with a continuation) before its compressed response reaches this many bytes. */
      partBytes: z.int().min(MIN_EXPORT_PART_BYTES).max(MAX_EXPORT_PART_BYTES).optional(),
      /** Continue an export from the continuation of its previous part. */
      resume: ExportResumeSchema.optional(),
    })
    .optional(),
  identity: IdentityProofSchema.optional(),
});

export const RequestSchema = z.discriminatedUnion('op', [
  ExecuteRequestSchema,
  FetchRequestSchema,
  CloseRequestSchema,
  PingRequestSchema,
  ExportRequestSchema,
]);

export type ExecuteRequest = z.infer<typeof ExecuteRequestSchema>;
export type FetchRequest = z.infer<typeof FetchRequestSchema>;
export type CloseRequest = z.infer<typeof CloseRequestSchema>;
export type PingRequest = z.infer<typeof PingRequestSchema>;
export type ExportRequest = z.infer<typeof ExportRequestSchema>;
export type Request = z.infer<typeof RequestSchema>;
export type Operation = Request['op'];

export const ROLES = ['read', 'write', 'admin'] as const;
export type Role = (typeof ROLES)[number];
export const ENGINES = ['postgres', 'mysql', 'pglite'] as const;
export type EngineName = (typeof ENGINES)[number];

/** One page of a result. Pages of one statement share their columns; `cursor` is null on the last. */
export interface Page {
  kind: 'page';
  columns: Column[];
  rows: Cell[][];
  /** The command tag (`SELECT`, `INSERT`, …) when the engine reports one. */
  command: string | null;
  /** Rows changed by a write, when the engine reports it. */
  affectedRows: number | null;
  /** Index of this page's first row within the whole result. */
  rowOffset: number;
  /** Opaque continuation for `fetch`; null when the result is complete. */
  cursor: string | null;
  /** The statement ran in a READ ONLY transaction (so re-running it to resume is safe). */
  readOnly: boolean;
  /** Rows were left unread: a writing statement's result is never held open across requests. */
  truncated: boolean;
  notices: string[];
  elapsedMs: number;
}

export interface PingResult {
  kind: 'ping';
  principal: string;
  role: Role;
  target: string;
  engine: EngineName;
  database: string;
  serverVersion: string;
  protocol: number;
}

export interface ClosedResult {
  kind: 'closed';
}

export type Result = Page | PingResult | ClosedResult;

export interface SuccessResponse<R extends Result = Result> {
  v: typeof PROTOCOL_VERSION;
  ok: true;
  requestId: string;
  auditId: string;
  result: R;
}

export interface ErrorResponse {
  v: typeof PROTOCOL_VERSION;
  ok: false;
  requestId: string | null;
  auditId: string | null;
  error: WireError;
}

export type Response = SuccessResponse | ErrorResponse;

const ColumnSchema = z.strictObject({ name: z.string(), type: z.string(), kind: z.enum(COLUMN_KINDS) });
const CellRowsSchema = z.custom<Cell[][]>(
  (value) => Array.isArray(value) && value.every((row) => Array.isArray(row) && row.every(isCell)),
  'rows must be arrays of cells',
);

const PageSchema = z.strictObject({
  kind: z.literal('page'),
  columns: z.array(ColumnSchema),
  rows: CellRowsSchema,
  command: z.string().nullable(),
  affectedRows: z.number().nullable(),
  rowOffset: z.int().min(0),
  cursor: z.string().nullable(),
  readOnly: z.boolean(),
  truncated: z.boolean(),
  notices: z.array(z.string()),
  elapsedMs: z.number(),
});

const PingResultSchema = z.strictObject({
  kind: z.literal('ping'),
  principal: z.string(),
  role: z.enum(ROLES),
  target: z.string(),
  engine: z.enum(ENGINES),
  database: z.string(),
  serverVersion: z.string(),
  protocol: z.int(),
});

const WireErrorSchema = z.object({
  code: z.enum(ERROR_CODES),
  message: z.string(),
  sqlstate: z.string().optional(),
  errno: z.number().optional(),
  detail: z.string().optional(),
  hint: z.string().optional(),
  position: z.number().optional(),
  where: z.string().optional(),
  retryable: z.boolean().optional(),
});

export const ResponseSchema = z.discriminatedUnion('ok', [
  z.strictObject({
    v: z.literal(PROTOCOL_VERSION),
    ok: z.literal(true),
    requestId: z.string(),
    auditId: z.string(),
    result: z.discriminatedUnion('kind', [
      PageSchema,
      PingResultSchema,
      z.strictObject({ kind: z.literal('closed') }),
    ]),
  }),
  z.strictObject({
    v: z.literal(PROTOCOL_VERSION),
    ok: z.literal(false),
    requestId: z.string().nullable(),
    auditId: z.string().nullable(),
    error: WireErrorSchema,
  }),
]);
