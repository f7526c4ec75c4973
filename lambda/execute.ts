import {
  DEFAULT_PAGE_BYTES,
  DEFAULT_PAGE_ROWS,
  DbqError,
  type ExecuteRequest,
  type FetchRequest,
  type Page,
  type Role,
} from '../shared/protocol/index.js';
import type { AuditTrail } from './auditTrail.js';
import type { EngineConnection, StatementResult } from './engines/types.js';
import { CursorRegistry, type HeldCursor } from './cursors.js';
import { databaseTimeoutBudget, guardDeadline } from './deadline.js';
import { RowReader, type PageLimits } from './paging.js';
import type { ResolvedTarget, Runtime } from './runtime.js';
import { authorizeStatement } from './policy/index.js';
import { sha256Hex } from './statement.js';

/** What the handler knows about the caller once identity and target are settled. */
export interface Caller {
  principal: string;
  role: Role;
  target: ResolvedTarget;
}

function pageLimits(
  options: { pageRows?: number | undefined; pageBytes?: number | undefined } | undefined,
): PageLimits {
  return { rows: options?.pageRows ?? DEFAULT_PAGE_ROWS, bytes: options?.pageBytes ?? DEFAULT_PAGE_BYTES };
}

/** The statement timeout: as requested (or the default), bounded by the limits and the function's time left. */
export function statementTimeout(
  runtime: Runtime,
  requested: number | undefined,
  remainingMs: number,
): number {
  const { defaultTimeoutMs, maxTimeoutMs } = runtime.config.limits;
  // The deadline guard cancels a statement before the function's deadline; this is its backstop.
  const budget = databaseTimeoutBudget(remainingMs);
  return Math.min(requested ?? defaultTimeoutMs, maxTimeoutMs, budget);
}

async function start(
  connection: EngineConnection,
  caller: Caller,
  sql: string,
  readOnly: boolean,
  canUpgrade: boolean,
  timeoutMs: number,
  prefetchRows: number,
): Promise<{ statement: StatementResult; readOnly: boolean }> {
  try {
    return { statement: await connection.execute(sql, { readOnly, timeoutMs, prefetchRows }), readOnly };
  } catch (error) {
    const mapped = caller.target.engine.toDbqError(error);
    // The classifier sees the statement's text only: a view, rule, trigger, user-defined cast or
    // attribute-notation function it reads through may still write. For a write-capable role that write
    // is allowed, and the READ ONLY attempt changed nothing, so it runs again read-write. The read role
    // never gets here (canUpgrade is false).
    if (!readOnly || !canUpgrade || mapped.fields.sqlstate !== '25006' || connection.broken) throw mapped;
    return {
      statement: await connection.execute(sql, { readOnly: false, timeoutMs, prefetchRows }),
      readOnly: false,
    };
  }
}

/**
 * Classifies the statement with the engine's real parser and applies the role policy (lambda/policy):
 * records the classification in the audit trail, then refuses what the caller's role may not run, and,
 * when `readsOnly` (every export), anything that is not a pure read. Returns true for a pure read, which
 * runs in a READ ONLY transaction whatever the role.
 */
export async function classifyStatement(
  caller: Caller,
  trail: AuditTrail,
  sql: string,
  readsOnly: boolean,
): Promise<boolean> {
  const { classification, denial } = await authorizeStatement(sql, caller.target.config.engine, caller.role);
  trail.learn({ classification: classification.kind });
  if (denial) throw denial;
  const pureRead = classification.kind === 'read';
  if (readsOnly && !pureRead) {
    throw new DbqError(
      'DENIED',
      `${classification.command} is not a query: only queries (SELECT, WITH, VALUES, TABLE, SHOW, EXPLAIN of a query, DESCRIBE) can be exported`,
      { detail: `policy rule: statement-kind; statement classified as ${classification.kind}` },
    );
  }
  return pureRead;
}

/**
 * Runs one statement and returns its first page. A read with more rows keeps its transaction open as a
 * held cursor; a write commits before answering, so its result is never left pending.
 */
export async function executeStatement(
  runtime: Runtime,
  trail: AuditTrail,
  caller: Caller,
  request: ExecuteRequest,
  remainingMs: number,
): Promise<Page> {
  const began = performance.now();
  const { target } = caller;
  const sql = request.sql;
  const skipRows = request.options?.skipRows ?? 0;
  const pureRead = await classifyStatement(caller, trail, sql, caller.role === 'read');
  const readOnly = caller.role === 'read' || pureRead || skipRows > 0;
  const timeoutMs = statementTimeout(runtime, request.options?.timeoutMs, remainingMs);
  const limits = pageLimits(request.options);
  trail.allow();

  const connection = await target.pool.acquire(caller.role);
  const guard = guardDeadline(connection, began + remainingMs);
  let statement: StatementResult | undefined;
  try {
    const started = await guard.watch(
      start(
        connection,
        caller,
        sql,
        readOnly,
        caller.role !== 'read' && skipRows === 0,
        timeoutMs,
        Math.min(limits.rows + 1 + skipRows, 1000),
      ),
    );
    statement = started.statement;
    const reader = new RowReader(statement);
    await guard.watch(reader.skip(skipRows));
    const rowOffset = reader.position;
    const { rows, more } = await guard.watch(reader.readPage(limits));
    guard.finish();
    const hold = more && started.readOnly;
    let cursor: string | null = null;
    if (hold) {
      cursor = CursorRegistry.newId();
      const held: HeldCursor = {
        id: cursor,
        principal: caller.principal,
        target: target.name,
        role: caller.role,
        engine: target.config.engine,
        database: target.config.database,
        connection,
        reader,
        columns: statement.columns,
        command: statement.command,
        statementAuditId: trail.auditId,
        sql,
        sqlSha256: sha256Hex(sql),
        expiresAt: 0,
      };
      await runtime.cursors.hold(held, Date.now());
    } else {
      await statement.close('commit');
      await target.pool.release(caller.role, connection);
    }
    const page: Page = {
      kind: 'page',
      columns: statement.columns,
      rows,
      command: statement.command,
      affectedRows: more ? null : statement.affectedRows(),
      rowOffset,
      cursor,
      readOnly: started.readOnly,
      truncated: more && !hold,
      notices: statement.notices,
      elapsedMs: Math.round(performance.now() - began),
    };
    trail.succeed({
      rowCount: rows.length,
      rowsSoFar: reader.position,
      more,
      affectedRows: page.affectedRows,
      readOnly: started.readOnly,
    });
    return page;
  } catch (error) {
    // An abandoned session is still busy with the statement: it can only be dropped (release discards it).
    if (statement && !guard.abandoned) await statement.close('rollback').catch(() => undefined);
    await target.pool.release(caller.role, connection);
    throw guard.explain(target.engine.toDbqError(error));
  }
}

/** Reads the next page of a held cursor; the cursor goes back on hold while rows remain. */
export async function fetchPage(
  runtime: Runtime,
  trail: AuditTrail,
  caller: Caller,
  request: FetchRequest,
  remainingMs = Infinity,
): Promise<Page> {
  const began = performance.now();
  const held = runtime.cursors.checkout(request.cursor, caller.principal, caller.target.name, Date.now());
  if (!held) {
    throw new DbqError(
      'CURSOR_EXPIRED',
      'the cursor is gone (it expired, was closed, or another function instance answered); run the statement again',
    );
  }
  trail.setSql(held.sql);
  trail.learn({ statementAuditId: held.statementAuditId, classification: 'read' });
  trail.allow();
  const guard = guardDeadline(held.connection, began + remainingMs);
  try {
    const rowOffset = held.reader.position;
    const { rows, more } = await guard.watch(held.reader.readPage(pageLimits(request.options)));
    guard.finish();
    if (more) await runtime.cursors.hold(held, Date.now());
    else await runtime.closeCursor(held);
    trail.succeed({ rowCount: rows.length, rowsSoFar: held.reader.position, more, readOnly: true });
    return {
      kind: 'page',
      columns: held.columns,
      rows,
      command: held.command,
      affectedRows: null,
      rowOffset,
      cursor: more ? held.id : null,
      readOnly: true,
      truncated: false,
      notices: [],
      elapsedMs: Math.round(performance.now() - began),
    };
  } catch (error) {
    if (guard.abandoned) await caller.target.pool.release(held.role, held.connection);
    else await runtime.closeCursor(held).catch(() => undefined);
    const mapped = guard.explain(caller.target.engine.toDbqError(error));
    if (mapped.code === 'TIMEOUT' && !guard.fired && caller.target.engine.timeoutCoversPausedReads) {
      throw new DbqError(
        'CURSOR_EXPIRED',
        `the held result timed out while it waited for this fetch: ${mapped.message}`,
      );
    }
    throw mapped;
  }
}

/** Closes a held cursor early. Closing one that is already gone succeeds: the result is the same. */
export async function closeCursor(
  runtime: Runtime,
  trail: AuditTrail,
  caller: Caller,
  cursorId: string,
): Promise<void> {
  const held = runtime.cursors.checkout(cursorId, caller.principal, caller.target.name, Date.now());
  if (held) {
    trail.setSql(held.sql);
    trail.learn({ statementAuditId: held.statementAuditId });
  }
  trail.allow();
  if (held) await runtime.closeCursor(held);
  trail.succeed({});
}
