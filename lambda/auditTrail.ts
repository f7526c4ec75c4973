import { randomUUID } from 'node:crypto';
import type { DbqError, EngineName, Operation, Role } from '../shared/protocol/index.js';
import { MAX_AUDIT_SQL, type AuditEvent, type AuditOutcome, type AuditSink } from './audit.js';
import { sha256Hex } from './statement.js';

type Known = Pick<
  AuditEvent,
  | 'op'
  | 'clientRequestId'
  | 'principal'
  | 'identityError'
  | 'role'
  | 'roleRule'
  | 'target'
  | 'database'
  | 'engine'
> & {
  classification: string | null;
  statementAuditId?: string;
};

function outcomeOf(error: DbqError): AuditOutcome {
  if (error.code === 'TIMEOUT') return 'timeout';
  if (error.code === 'DENIED' || error.code === 'AUTH' || error.code === 'BAD_REQUEST') return 'denied';
  return 'error';
}

/**
 * The audit events of one request. Facts are added as they become known; `intent` is written once,
 * before anything runs (or at the point a request is refused), and `outcome` once at the very end.
 */
export class AuditTrail {
  readonly auditId = randomUUID();
  private readonly started = performance.now();
  private known: Known = {
    op: null,
    clientRequestId: null,
    principal: null,
    role: null,
    target: null,
    database: null,
    engine: null,
    classification: null,
  };
  private sql: string | null = null;
  private intentWritten = false;
  private outcomeWritten = false;

  constructor(
    private readonly sink: AuditSink,
    private readonly lambdaRequestId: string,
  ) {}

  learn(
    facts: Partial<Known> & { op?: Operation | null; role?: Role | null; engine?: EngineName | null },
  ): void {
    this.known = { ...this.known, ...facts };
  }

  setSql(sql: string): void {
    this.sql = sql;
  }

  /** Says why a request has no verified principal when it was refused before verification. */
  noteUnverified(reason: string): void {
    if (this.known.principal === null && this.known.identityError === undefined) {
      this.known = { ...this.known, identityError: `not verified: ${reason}` };
    }
  }

  /** Writes the intent and a plain `ok` outcome if an operation returned without writing its own. */
  finishIfOpen(): void {
    if (this.outcomeWritten) return;
    this.allow();
    this.finish({ outcome: 'ok' });
  }

  private base(event: 'intent' | 'outcome'): AuditEvent {
    const sql = this.sql;
    return {
      type: 'dbq.audit',
      v: 1,
      event,
      time: new Date().toISOString(),
      auditId: this.auditId,
      lambdaRequestId: this.lambdaRequestId,
      ...this.known,
      sql: sql === null ? null : sql.slice(0, MAX_AUDIT_SQL),
      ...(sql !== null && sql.length > MAX_AUDIT_SQL ? { sqlTruncated: true } : {}),
      sqlSha256: sql === null ? null : sha256Hex(sql),
      decision: 'allow',
      reason: null,
    };
  }

  /** Records that the request was allowed to run. */
  allow(): void {
    if (this.intentWritten) return;
    this.intentWritten = true;
    this.sink.write(this.base('intent'));
  }

  /** Records success, with what the request returned. */
  succeed(facts: Partial<AuditEvent>): void {
    this.allow();
    this.finish({ ...facts, outcome: 'ok' });
  }

  /** Records a failure; a request refused before it ran gets a `deny` intent with the reason. */
  fail(error: DbqError): void {
    const outcome = outcomeOf(error);
    if (!this.intentWritten) {
      this.intentWritten = true;
      const refused = outcome === 'denied';
      this.sink.write({
        ...this.base('intent'),
        decision: refused ? 'deny' : 'allow',
        reason: refused ? error.message : null,
      });
    }
    this.finish({
      outcome,
      ...(outcome === 'denied' ? { decision: 'deny' as const, reason: error.message } : {}),
      errorCode: error.code,
      errorMessage: error.message,
      ...(error.fields.sqlstate === undefined ? {} : { sqlstate: error.fields.sqlstate }),
      ...(error.fields.errno === undefined ? {} : { errno: error.fields.errno }),
    });
  }

  private finish(facts: Partial<AuditEvent>): void {
    if (this.outcomeWritten) return;
    this.outcomeWritten = true;
    this.sink.write({
      ...this.base('outcome'),
      durationMs: Math.round((performance.now() - this.started) * 100) / 100,
      ...facts,
    });
  }
}
