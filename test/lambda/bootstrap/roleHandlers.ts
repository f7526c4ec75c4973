import { randomUUID } from 'node:crypto';
import type { Cell, ErrorResponse, Response, Role } from '../../../shared/protocol/index.js';
import type { AuditEvent } from '../../../lambda/audit.js';
import { parseFunctionConfig, type TargetConfig } from '../../../lambda/config.js';
import { createHandler, type QueryHandler } from '../../../lambda/createHandler.js';
import { createDeployedEngine } from '../../../lambda/engines/deployed.js';
import { localIdentityVerifier } from '../../../lambda/identity/local.js';
import { Runtime } from '../../../lambda/runtime.js';

export interface Invocation {
  response: Response;
  /** The audit events this invocation wrote. */
  events: AuditEvent[];
}

/**
 * The real query handler for one target, once per role (local identity fixes the role per function, as
 * `dbq local --role` does), so each role's requests reach the database as that role's own user.
 */
export interface RoleHandlers {
  /** Runs one statement as `role`; `remainingMs` is what the Lambda context reports (default 60 s). */
  execute(
    role: Role,
    sql: string,
    options?: { timeoutMs?: number; remainingMs?: number },
  ): Promise<Invocation>;
  shutdown(): Promise<void>;
}

const ROLES: Role[] = ['read', 'write', 'admin'];

export function createRoleHandlers(target: TargetConfig): RoleHandlers {
  const runtimes: Runtime[] = [];
  const handlers = new Map<Role, { handler: QueryHandler; events: AuditEvent[] }>();
  for (const role of ROLES) {
    const identity = { mode: 'local' as const, principal: `local:user/test-${role}`, role };
    const config = parseFunctionConfig({ targets: { db: target }, defaultTarget: 'db', identity });
    const events: AuditEvent[] = [];
    const runtime = new Runtime(
      config,
      localIdentityVerifier(identity),
      { write: (event) => events.push(event) },
      createDeployedEngine,
    );
    runtimes.push(runtime);
    handlers.set(role, { handler: createHandler(runtime), events });
  }
  return {
    async execute(role, sql, options = {}) {
      const entry = handlers.get(role);
      if (!entry) throw new Error(`no handler for ${role}`);
      const before = entry.events.length;
      const deadline = Date.now() + (options.remainingMs ?? 60_000);
      const response = await entry.handler(
        {
          v: 1,
          op: 'execute',
          requestId: randomUUID(),
          sql,
          ...(options.timeoutMs === undefined ? {} : { options: { timeoutMs: options.timeoutMs } }),
        },
        { awsRequestId: randomUUID(), getRemainingTimeInMillis: () => deadline - Date.now() },
      );
      return { response, events: entry.events.slice(before) };
    },
    async shutdown() {
      await Promise.all(runtimes.map((runtime) => runtime.shutdown()));
    },
  };
}

/** The rows of a successful execute, or a failure that says why it was not. */
export function rowsOf(invocation: Invocation): Cell[][] {
  const { response } = invocation;
  if (!response.ok)
    throw new Error(`expected success, got ${response.error.code}: ${response.error.message}`);
  const result = response.result;
  if (result.kind !== 'page') throw new Error(`expected a page, got ${result.kind}`);
  return result.rows;
}

/** The error of a failed execute. */
export function errorOf(invocation: Invocation): ErrorResponse['error'] {
  const { response } = invocation;
  if (response.ok) throw new Error('expected the request to fail');
  return response.error;
}
