import type { Role } from '../../shared/protocol/index.js';

/**
 * What a statement does, judged from its whole parse tree: the most a role must be allowed to do for it
 * to run. `read` is given only to the statement shapes a read may take (SELECT / VALUES / TABLE / WITH of
 * reads, SHOW, DESCRIBE, EXPLAIN of a read).
 */
export type StatementKind = 'read' | 'write' | 'ddl' | 'privilege' | 'session' | 'transaction' | 'utility';

/** The rules a denial can name. */
export type PolicyRule =
  | 'single-statement'
  | 'parser'
  | 'statement-kind'
  | 'function'
  | 'operator'
  | 'writable-cte'
  | 'locking-clause'
  | 'select-into'
  | 'explain-analyze'
  | 'show'
  | 'variable-assignment'
  | 'transaction-control'
  | 'role-switch'
  | 'mysql-executable-comment'
  | 'mysql-optimizer-hint'
  | 'mysql-dash-comment'
  | 'mysql-nested-comment'
  | 'mysql-unterminated-comment'
  | 'mysql-ambiguous-escape';

/** The least role a finding needs: `null` when no role may run it. */
export type Needs = Exclude<Role, 'read'> | null;

/** Something in a statement that takes it beyond a pure read, with the rule that judges it. */
export interface Finding {
  rule: PolicyRule;
  /** What was found, as the user wrote it: `function pg_terminate_backend`, `FOR UPDATE`. */
  subject: string;
  needs: Needs;
  /** Why it is refused to a role below `needs`. */
  why: string;
  /** 1-based character position in the statement, as PostgreSQL reports positions. */
  position?: number;
}

/** The classifier's verdict on one statement; the role policy decides from it alone. */
export interface Classification {
  /** `unparsed` when the parser could not read the statement. */
  kind: StatementKind | 'unparsed';
  /** The command, upper case: `SELECT`, `INSERT`, `EXPLAIN ANALYZE`, `SHOW`, `SET`. */
  command: string;
  /** Every function the statement calls, as written (lower case for PostgreSQL, upper case for MySQL). */
  functions: string[];
  findings: Finding[];
  /** Why the parser could not read the statement, when it could not. */
  parseError?: { message: string; position?: number };
}

const KIND_ORDER: Record<StatementKind, number> = {
  read: 0,
  write: 1,
  session: 2,
  utility: 3,
  ddl: 4,
  privilege: 5,
  transaction: 6,
};

/** The kind that asks more of a role, for a statement made of parts of several kinds. */
export function strongerKind(a: StatementKind, b: StatementKind): StatementKind {
  return KIND_ORDER[b] > KIND_ORDER[a] ? b : a;
}

/**
 * Converts an offset into `text` to a 1-based character position (code points, as PostgreSQL counts).
 * `unit` says whether the offset counts UTF-8 bytes (libpg_query's node locations) or UTF-16 code units
 * (JavaScript offsets).
 */
export function characterPosition(text: string, offset: number, unit: 'utf8' | 'utf16'): number {
  const prefix =
    unit === 'utf8'
      ? Buffer.from(text, 'utf8').subarray(0, Math.max(0, offset)).toString('utf8')
      : text.slice(0, Math.max(0, offset));
  let count = 0;
  for (const _ of prefix) count++;
  return count + 1;
}
