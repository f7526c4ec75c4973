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
