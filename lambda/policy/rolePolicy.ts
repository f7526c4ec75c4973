import { DbqError, type EngineName, type Role } from '../../shared/protocol/index.js';
import type { Classification, Finding, Needs, StatementKind } from './classification.js';
import { needsForKind } from './reasons.js';

const RANK: Record<Role, number> = { read: 0, write: 1, admin: 2 };

function allows(role: Role, needs: Exclude<Needs, null> | 'read'): boolean {
  return RANK[role] >= RANK[needs];
}

const KIND_LABEL: Record<StatementKind, string> = {
  read: 'a query',
  write: 'a data change',
  ddl: 'DDL',
  privilege: 'a privilege or role command',
  session: 'a session command',
  transaction: 'transaction control',
  utility: 'a utility command',
};

function positionField(position: number | undefined): { position?: number } {
  return position === undefined ? {} : { position };
}

function denyFinding(finding: Finding, role: Role, classification: Classification): DbqError {
  const who = finding.needs === null ? 'any role' : `the ${role} role`;
  const message =
    finding.rule === 'single-statement'
      ? `one statement per request: found ${finding.subject}; send them one at a time`
      : `${finding.subject} is not allowed for ${who}: ${finding.why}`;
  return new DbqError('DENIED', message, {
    detail: `policy rule: ${finding.rule}; statement classified as ${classification.kind} (${classification.command})`,
    ...(finding.needs === null ? {} : { hint: `the ${finding.needs} role may run it` }),
    ...positionField(finding.position),
  });
}

function readRoleStatements(engine: EngineName): string {
  return engine === 'mysql'
    ? 'SELECT, WITH, SHOW, DESCRIBE and EXPLAIN of a query'
    : 'SELECT, WITH, VALUES, TABLE, SHOW and EXPLAIN of a query';
}

/**
 * The role policy: whether `role` may run a statement so classified, as a DENIED error saying which rule
 * refused it and why (with the position when the parser gave one), or null when it may run.
 *
 * - read: statements classified `read` only — queries whose every function is on the allow-list, with no
 *   locking clause, INTO or nested data change.
 * - write: that, plus INSERT / UPDATE / DELETE / MERGE / REPLACE (also in WITH queries), locking clauses
 *   and sequence functions; no DDL, privileges, LOCK, SET, LOAD DATA, COPY, CALL or DO.
 * - admin: everything else.
 * - nobody: transaction control, role switches, more than one statement, and (on MySQL) text the
 *   classifier could not see as the server will.
 * A statement the parser cannot read is refused to the read and write roles; admin may run it.
 */
export function decide(classification: Classification, role: Role, engine: EngineName): DbqError | null {
  const forbidden = classification.findings.find((finding) => finding.needs === null);
  if (forbidden) return denyFinding(forbidden, role, classification);

  if (classification.kind === 'unparsed') {
    if (role === 'admin') return null;
    const parser = engine === 'mysql' ? 'the MySQL parser (node-sql-parser)' : 'the PostgreSQL parser';
    const error = classification.parseError;
    return new DbqError(
      'DENIED',
      `${parser} cannot read this statement${error ? ` (${error.message})` : ''}; the ${role} role runs only statements the policy can check`,
      {
        detail: 'policy rule: parser',
        hint: 'fix the syntax, or rewrite it with common syntax; the admin role may run it unchecked',
        ...positionField(error?.position),
      },
    );
  }

  for (const finding of classification.findings) {
    if (finding.needs !== null && !allows(role, finding.needs))
      return denyFinding(finding, role, classification);
  }

  const needs = needsForKind(classification.kind);
  if (needs === null || allows(role, needs)) return null;
  const { command, kind } = classification;
  const message =
    role === 'read'
      ? `${command} is not a query: the read role runs queries only (${readRoleStatements(engine)})`
      : `${command} is not allowed for the write role: it runs queries and data changes (INSERT, UPDATE, DELETE, MERGE, REPLACE) only, and this is ${KIND_LABEL[kind]}`;
  return new DbqError('DENIED', message, {
    detail: `policy rule: statement-kind; statement classified as ${kind} (${command})`,
    hint: `the ${needs} role may run it`,
  });
}
