import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { EngineName, ErrorCode, Operation, Role } from '../shared/protocol/index.js';

export type AuditDecision = 'allow' | 'deny';
export type AuditOutcome = 'ok' | 'denied' | 'error' | 'timeout';

/**
 * One audit event. Every request yields an `intent` event before anything runs and an `outcome` event
 * after, sharing `auditId`. Identity proofs, tokens and passwords are never part of an event.
 */
export interface AuditEvent {
  type: 'dbq.audit';
  v: 1;
  event: 'intent' | 'outcome';
  time: string;
  auditId: string;
  op: Operation | null;
  lambdaRequestId: string;
  clientRequestId: string | null;
  /** The verified principal ARN, or null with `identityError` saying why there is none. */
  principal: string | null;
  identityError?: string;
  /** The role-map pattern that gave the principal its role (sts identity mode). */
  roleRule?: string;
  role: Role | null;
  target: string | null;
  database: string | null;
  engine: EngineName | null;
  /** The statement text (cut at MAX_AUDIT_SQL characters, see `sqlTruncated`). */
  sql: string | null;
  sqlTruncated?: boolean;
  /** SHA-256 of the whole statement as sent. */
  sqlSha256: string | null;
  /** Statement class as far as it is known before running (`read`, `write`, `unknown`). */
  classification: string | null;
  decision: AuditDecision;
  reason: string | null;
  /** For fetch and close: the audit id of the statement whose cursor is read. */
  statementAuditId?: string;
  outcome?: AuditOutcome;
  durationMs?: number;
  /** Rows returned by this request (one page), and the position after it. */
  rowCount?: number;
  rowsSoFar?: number;
  more?: boolean;
  affectedRows?: number | null;
  readOnly?: boolean;
  errorCode?: ErrorCode;
  sqlstate?: string;
  errno?: number;
  errorMessage?: string;
}

export interface AuditSink {
  write(event: AuditEvent): void;
}

/** Lambda ships stdout to CloudWatch Logs: one JSON object per line. */
export const stdoutAuditSink: AuditSink = {
  write(event) {
    process.stdout.write(`${JSON.stringify(event)}\n`);
  },
};

/** Local mode keeps the same events in a JSON-lines file. Written synchronously so none is lost on exit. */
export function fileAuditSink(path: string): AuditSink {
  mkdirSync(dirname(path), { recursive: true });
  return {
    write(event) {
      appendFileSync(path, `${JSON.stringify(event)}\n`, { mode: 0o600 });
    },
  };
}

export function teeAuditSink(...sinks: AuditSink[]): AuditSink {
  return {
    write(event) {
      for (const sink of sinks) sink.write(event);
    },
  };
}

/** Longest SQL text kept in an event; the SHA-256 always covers the whole statement. */
export const MAX_AUDIT_SQL = 128 * 1024;
