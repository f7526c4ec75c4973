import { characterPosition, type Classification, type Finding } from './classification.js';
import type { MysqlToken } from './mysqlLexer.js';

/**
 * SHOW and DESCRIBE on MySQL/MariaDB, recognized from the tokens (node-sql-parser knows few SHOW forms).
 * The grammar is small: a form of one or more keywords, then names, string patterns, FROM / IN / LIKE /
 * LIMIT / FOR. A statement made only of those cannot call a function or change anything; WHERE (which
 * evaluates an expression) and parentheses take it out of the read role's reach.
 */

/** SHOW forms the read and write roles may use, after the modifiers FULL, GLOBAL, SESSION, LOCAL, EXTENDED. */
const HARMLESS_FORMS = [
  'DATABASES',
  'SCHEMAS',
  'TABLES',
  'COLUMNS',
  'FIELDS',
  'INDEX',
  'INDEXES',
  'KEYS',
  'TABLE STATUS',
  'OPEN TABLES',
  'VARIABLES',
  'STATUS',
  'PROCESSLIST',
  'ENGINES',
  'STORAGE ENGINES',
  'ENGINE',
  'GRANTS',
  'WARNINGS',
  'ERRORS',
  'COLLATION',
  'CHARACTER SET',
  'CHARSET',
  'TRIGGERS',
  'EVENTS',
  'PROCEDURE STATUS',
  'FUNCTION STATUS',
  'PLUGINS',
  'PRIVILEGES',
  'MASTER STATUS',
  'BINARY LOG STATUS',
  'SLAVE STATUS',
  'REPLICA STATUS',
  'ALL SLAVES STATUS',
  'ALL REPLICAS STATUS',
  'SLAVE HOSTS',
  'REPLICA HOSTS',
  'BINARY LOGS',
  'MASTER LOGS',
  'CREATE TABLE',
  'CREATE VIEW',
  'CREATE DATABASE',
  'CREATE SCHEMA',
  'CREATE PROCEDURE',
  'CREATE FUNCTION',
  'CREATE TRIGGER',
  'CREATE EVENT',
  'CREATE SEQUENCE',
  'INDEX_STATISTICS',
  'TABLE_STATISTICS',
  'USER_STATISTICS',
  'CLIENT_STATISTICS',
];

const MODIFIERS = new Set(['FULL', 'GLOBAL', 'SESSION', 'LOCAL', 'EXTENDED']);

const SHOW_WHY =
  'the read and write roles may use the common SHOW forms with names, LIKE patterns and LIMIT only (no ' +
  'WHERE, which evaluates an expression); query information_schema for anything else';

function words(tokens: MysqlToken[]): string[] {
  return tokens.map((token) => (token.type === 'word' ? token.text.toUpperCase() : ''));
}

/** Tokens a harmless SHOW or DESCRIBE may contain after its form. */
function isInertToken(token: MysqlToken): boolean {
  if (token.type === 'quoted' || token.type === 'string' || token.type === 'number') return true;
  if (token.type === 'word') return token.text.toUpperCase() !== 'WHERE';
  return token.text === '.' || token.text === ',' || token.text === '@' || token.text === ';';
}

/** The longest harmless form the words start with, or null. */
function matchForm(upper: string[], from: number): { form: string; next: number } | null {
  let best: { form: string; next: number } | null = null;
  for (const form of HARMLESS_FORMS) {
    const parts = form.split(' ');
    if (parts.every((part, k) => upper[from + k] === part)) {
      if (best === null || parts.length > best.next - from) best = { form, next: from + parts.length };
    }
  }
  return best;
}

/** Classifies `SHOW …` from its tokens (the first token is SHOW). */
export function classifyShow(sql: string, tokens: MysqlToken[]): Classification {
  const upper = words(tokens);
  let at = 1;
  while (upper[at] !== undefined && MODIFIERS.has(upper[at] as string)) at++;
  const matched = matchForm(upper, at);
  const restStart = matched?.next ?? at;
  // ENGINE takes a name and then STATUS or MUTEX; the inert-token check covers both.
  const rest = tokens.slice(restStart);
  const inert = rest.every(isInertToken);
  const subject = `SHOW ${upper.slice(1, Math.max(restStart, at + 1)).join(' ')}`.trim();
  if (matched && inert) return { kind: 'read', command: 'SHOW', functions: [], findings: [] };
  const offending = rest.find((token) => !isInertToken(token)) ?? tokens[at];
  const finding: Finding = {
    rule: 'show',
    subject,
    needs: 'admin',
    why: SHOW_WHY,
    ...(offending ? { position: characterPosition(sql, offending.start, 'utf16') } : {}),
  };
  return { kind: 'utility', command: 'SHOW', functions: [], findings: [finding] };
}

/** Classifies `DESCRIBE table [column]` (or DESC / EXPLAIN table): names and patterns only. */
export function classifyDescribe(sql: string, tokens: MysqlToken[]): Classification {
  const rest = tokens.slice(1);
  if (rest.length > 0 && rest.every(isInertToken)) {
    return { kind: 'read', command: 'DESCRIBE', functions: [], findings: [] };
  }
  const offending = rest.find((token) => !isInertToken(token));
  return {
    kind: 'utility',
    command: 'DESCRIBE',
    functions: [],
    findings: [
      {
        rule: 'show',
        subject: 'DESCRIBE',
        needs: 'admin',
        why: 'DESCRIBE takes a table name and an optional column name or pattern',
        ...(offending ? { position: characterPosition(sql, offending.start, 'utf16') } : {}),
      },
    ],
  };
}
