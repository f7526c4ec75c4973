import {
  DbqError,
  PROTOCOL_VERSION,
  parseRequest,
  type ErrorResponse,
  type PingResult,
  type Request,
  type Response,
  type Result,
} from '../shared/protocol/index.js';
import { AuditTrail } from './auditTrail.js';
import { closeCursor, executeStatement, fetchPage, type Caller } from './execute.js';
import type { Runtime } from './runtime.js';
import { resolveRole } from './identity/roleMap.js';
import type { VerifiedIdentity } from './identity/verifier.js';

/** The parts of the Lambda context the handler relies on. */
export interface LambdaContext {
  awsRequestId: string;
  getRemainingTimeInMillis(): number;
}

export type QueryHandler = (event: unknown, context: LambdaContext) => Promise<Response>;

/** Turns anything thrown into a wire error; unexpected exceptions become INTERNAL without internals. */
export function toDbqError(error: unknown): DbqError {
  if (error instanceof DbqError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new DbqError('INTERNAL', `internal error in the query function: ${message}`);
}

/** Reads what it can from a payload that may be malformed, for the audit trail and the reply. */
export function peek(event: unknown): { requestId: string | null; sql: string | null } {
  if (typeof event !== 'object' || event === null) return { requestId: null, sql: null };
  const { requestId, sql } = event as { requestId?: unknown; sql?: unknown };
  return {
    requestId: typeof requestId === 'string' ? requestId.slice(0, 128) : null,
    sql: typeof sql === 'string' ? sql : null,
  };
}

/**
 * Verifies who is asking and resolves the target and the caller's role, recording each fact in the audit
 * trail. Every operation, plain or streamed, goes through here.
 */
export async function identify(runtime: Runtime, trail: AuditTrail, request: Request): Promise<Caller> {
  // Identity first: even a request for an unknown target is audited with who sent it.
  let identity: VerifiedIdentity;
  try {
    identity = await runtime.verifier.verify(request);
  } catch (error) {
    const mapped = toDbqError(error);
    trail.learn({ identityError: mapped.message });
    throw mapped.code === 'AUTH' ? mapped : new DbqError('AUTH', `identity not verified: ${mapped.message}`);
  }
  trail.learn({ principal: identity.principal });
  const target = runtime.target(request.target);
  trail.learn({ target: target.name, database: target.config.database, engine: target.config.engine });
  if (identity.kind === 'local') {
    trail.learn({ role: identity.role });
    return { principal: identity.principal, role: identity.role, target };
  }
  const grant = resolveRole(target.config.roleMap ?? [], identity.principal);
  if (grant === null) {
    throw new DbqError(
      'DENIED',
      `${identity.principal} has no role on target ${target.name}: no rule of its role map matches this principal`,
    );
  }
  trail.learn({ role: grant.role, roleRule: grant.rule });
  return { principal: identity.principal, role: grant.role, target };
}

async function ping(caller: Caller, trail: AuditTrail): Promise<PingResult> {
  trail.allow();
  const { target } = caller;
  const connection = await target.pool.acquire(caller.role).catch((error: unknown) => {
    throw target.engine.toDbqError(error);
  });
  const serverVersion = connection.serverVersion;
  await target.pool.release(caller.role, connection);
  trail.succeed({});
  return {
    kind: 'ping',
    principal: caller.principal,
    role: caller.role,
    target: target.name,
    engine: target.config.engine,
    database: target.config.database,
    serverVersion,
    protocol: PROTOCOL_VERSION,
  };
}

async function dispatch(
  runtime: Runtime,
  trail: AuditTrail,
  request: Request,
  context: LambdaContext,
): Promise<Result> {
  const caller = await identify(runtime, trail, request);
  switch (request.op) {
    case 'execute':
      return executeStatement(runtime, trail, caller, request, context.getRemainingTimeInMillis());
    case 'fetch':
      return fetchPage(runtime, trail, caller, request);
    case 'close':
      await closeCursor(runtime, trail, caller, request.cursor);
      return { kind: 'closed' };
    case 'ping':
      return ping(caller, trail);
    case 'export':
      // Its rows can only travel as a stream: Invoke's 6 MB response would cut any real export.
      throw new DbqError(
        'BAD_REQUEST',
        'export needs Lambda response streaming: use response streaming (InvokeWithResponseStream)',
      );
  }
}

/**
 * The query function: validate → identify → resolve target and role → audit intent → run exactly one
 * statement → audit outcome → answer with a page. It answers every payload with a protocol response;
 * nothing a caller sends makes it throw.
 */
export function createHandler(runtime: Runtime): QueryHandler {
  return async (event, context) => {
    const trail = new AuditTrail(runtime.audit, context.awsRequestId);
    const peeked = peek(event);
    trail.learn({ clientRequestId: peeked.requestId });
    if (peeked.sql !== null) trail.setSql(peeked.sql);
    let request: Request | undefined;
    try {
      await runtime.cursors.sweep(Date.now());
      request = parseRequest(event);
      trail.learn({ op: request.op });
      const result = await dispatch(runtime, trail, request, context);
      // Every operation writes its own outcome; this only guarantees that no answered request lacks one.
      trail.finishIfOpen();
      return { v: PROTOCOL_VERSION, ok: true, requestId: request.requestId, auditId: trail.auditId, result };
    } catch (error) {
      const mapped = toDbqError(error);
      trail.noteUnverified('the request was refused before its identity was checked');
      trail.fail(mapped);
      const response: ErrorResponse = {
        v: PROTOCOL_VERSION,
        ok: false,
        requestId: request?.requestId ?? peeked.requestId,
        auditId: trail.auditId,
        error: mapped.toJSON(),
      };
      return response;
    }
  };
}
