import { createHash } from 'node:crypto';
import { DbqError, type EngineName } from '../shared/protocol/index.js';
import { splitStatements, type SqlDialect } from '../shared/sql/split.js';

export function dialectOf(engine: EngineName): SqlDialect {
  return engine === 'mysql' ? 'mysql' : 'postgres';
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * Refuses anything but exactly one statement. Drivers are the second guard (PostgreSQL's extended
 * protocol and mysql2 without multipleStatements both reject a second statement), but the user gets a
 * clear reason from here.
 */
export function requireSingleStatement(sql: string, engine: EngineName): void {
  const statements = splitStatements(sql, dialectOf(engine));
  if (statements.length === 0) throw new DbqError('BAD_REQUEST', 'empty statement: nothing to run');
  if (statements.length > 1) {
    const second = statements[1];
    throw new DbqError(
      'DENIED',
      `one statement per request: found ${statements.length} statements; send them one at a time`,
      second ? { position: second.start + 1 } : {},
    );
  }
}

const READ_KEYWORDS = new Set(['select', 'with', 'values', 'table', 'show', 'explain', 'describe', 'desc']);

/**
 * Whether a statement looks like a read, judged by its first keyword. It only chooses the transaction a
 * write-capable role tries first: a READ ONLY one, re-run read-write when the database refuses a write
 * in it (SQLSTATE 25006). It never grants anything; the read role always runs READ ONLY.
 */
export function looksLikeRead(sql: string): boolean {
  const body = sql.replace(/^(?:\s+|--[^\n]*\n?|#[^\n]*\n?|\/\*[\s\S]*?\*\/|\()+/, '');
  const keyword = /^[A-Za-z]+/.exec(body)?.[0]?.toLowerCase();
  if (keyword === undefined || !READ_KEYWORDS.has(keyword)) return false;
  return !(keyword === 'explain' && /^explain\s*(\(|analy[sz]e)/i.test(body) && /analy[sz]e/i.test(body));
}
