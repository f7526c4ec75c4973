import { DbqError, type EngineName, type Role } from '../../shared/protocol/index.js';
import { requireSingleStatement } from '../statement.js';
import type { Classification } from './classification.js';
import { decide } from './rolePolicy.js';

export type { Classification, Finding, StatementKind } from './classification.js';

/** A statement's classification (for the audit trail) and, when the role may not run it, why. */
export interface StatementVerdict {
  classification: Classification;
  denial: DbqError | null;
}

/**
 * Classifies one statement with the engine's real parser (PostgreSQL's own; node-sql-parser for MySQL).
 * Each parser loads with the first statement for its engine, not with the function: both together add
 * ~100 ms to a cold start, and a function's targets rarely need both.
 */
export async function classifyStatement(sql: string, engine: EngineName): Promise<Classification> {
  const classify =
    engine === 'mysql'
      ? (await import('./mysqlClassifier.js')).classifyMysql
      : (await import('./postgresClassifier.js')).classifyPostgres;
  try {
    return await classify(sql);
  } catch (error) {
    if (error instanceof DbqError) throw error;
    // A statement the classifier itself cannot get through is refused to every role: nothing about it
    // was checked.
    return {
      kind: 'unparsed',
      command: (/[A-Za-z_]+/.exec(sql)?.[0] ?? 'statement').toUpperCase(),
      functions: [],
      findings: [
        {
          rule: 'parser',
          subject: 'this statement',
          needs: null,
          why: `the policy could not classify it (${error instanceof Error ? error.message : String(error)})`,
        },
      ],
    };
  }
}

/**
 * Classifies a statement and applies the role policy. Throws BAD_REQUEST for an empty statement; a
 * refusal comes back as `denial` (a DENIED error naming the rule), so the caller can audit the
 * classification with it.
 *
 * One statement per request: PostgreSQL's parser counts statements exactly (a `BEGIN ATOMIC` body is one
 * statement); the lexical splitter, which follows the server's quote and comment rules, also counts them
 * for MySQL and for PostgreSQL text the parser cannot read.
 */
export async function authorizeStatement(
  sql: string,
  engine: EngineName,
  role: Role,
): Promise<StatementVerdict> {
  const classification = await classifyStatement(sql, engine);
  const denial = decide(classification, role, engine);
  if (denial) return { classification, denial };
  if (engine === 'mysql' || classification.kind === 'unparsed') {
    try {
      requireSingleStatement(sql, engine);
    } catch (error) {
      if (error instanceof DbqError && error.code === 'DENIED') return { classification, denial: error };
      throw error;
    }
  }
  return { classification, denial: null };
}
