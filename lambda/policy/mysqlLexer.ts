import { characterPosition, type Finding, type PolicyRule } from './classification.js';

/**
 * MySQL/MariaDB's lexical rules, applied to the raw text before any parser sees it. A third-party parser
 * is not the server: where the two could read the same text differently (code hidden in comments the
 * server runs, `--x` that the server reads as two minus signs, string boundaries that depend on
 * NO_BACKSLASH_ESCAPES), the statement is refused outright.
 */

export type MysqlTokenType = 'word' | 'quoted' | 'string' | 'number' | 'symbol';

export interface MysqlToken {
  type: MysqlTokenType;
  /** The token's text; for `quoted` and `string`, with its quotes. */
  text: string;
  /** UTF-16 offsets into the statement. */
  start: number;
  end: number;
}

export interface MysqlLexResult {
  tokens: MysqlToken[];
  /** Raw-text findings, each refused to every role. */
  findings: Finding[];
}

const RAW_WHY: Record<string, string> = {
  'mysql-executable-comment':
    'MySQL and MariaDB run the text of /*! … */ and /*M! … */ comments as code, which the policy cannot see',
  'mysql-optimizer-hint':
    'an optimizer hint /*+ … */ can change settings for the statement (SET_VAR, MAX_EXECUTION_TIME), out of the policy’s sight',
  'mysql-dash-comment':
    'MySQL starts a comment only at "-- " followed by a space or control character; "--x" is code to the server but a comment to other tools',
  'mysql-nested-comment': 'a /* inside a comment is read differently by different MySQL versions and tools',
  'mysql-ambiguous-escape':
    'the statement reads differently with and without NO_BACKSLASH_ESCAPES (a backslash before a quote); write the quote doubled instead',
};

function isIdentChar(code: number): boolean {
  return (
    (code >= 0x30 && code <= 0x39) ||
    (code >= 0x41 && code <= 0x5a) ||
    (code >= 0x61 && code <= 0x7a) ||
    code === 0x5f ||
    code === 0x24 ||
    code >= 0x80
  );
}

function isSpace(code: number): boolean {
  return code === 0x20 || (code >= 0x09 && code <= 0x0d);
}

/** Index just past the closing quote, or -1. A doubled quote escapes it; so may a backslash. */
function skipQuoted(sql: string, from: number, quote: string, backslashEscapes: boolean): number {
  for (let i = from; i < sql.length; i++) {
    const char = sql[i];
    if (char === '\\' && backslashEscapes) {
      i++;
    } else if (char === quote) {
      if (sql[i + 1] !== quote) return i + 1;
      i++;
    }
  }
  return -1;
}

/** Tokenizes a statement by MySQL's rules and reports the constructs refused before parsing. */
export function lexMysql(sql: string, backslashEscapes: boolean): MysqlLexResult {
  const tokens: MysqlToken[] = [];
  const findings: Finding[] = [];
  const problem = (rule: PolicyRule, at: number, subject: string): void => {
    findings.push({
      rule,
      subject,
      needs: null,
      why: RAW_WHY[rule] ?? rule,
      position: characterPosition(sql, at, 'utf16'),
    });
  };
  let i = 0;
  while (i < sql.length) {
    const code = sql.charCodeAt(i);
    const char = sql[i] as string;
    if (isSpace(code)) {
      i++;
      continue;
    }
    if (char === '#') {
      const end = sql.indexOf('\n', i);
      i = end === -1 ? sql.length : end;
      continue;
    }
    if (char === '-' && sql[i + 1] === '-') {
      const after = sql.charCodeAt(i + 2);
      if (i + 2 < sql.length && (after <= 0x20 || after === 0x7f)) {
        const end = sql.indexOf('\n', i);
        i = end === -1 ? sql.length : end;
        continue;
      }
      problem('mysql-dash-comment', i, sql.slice(i, i + 3));
      tokens.push({ type: 'symbol', text: '-', start: i, end: i + 1 });
      i++;
      continue;
    }
    if (char === '/' && sql[i + 1] === '*') {
      const third = sql[i + 2];
      if (third === '!' || (third === 'M' && sql[i + 3] === '!')) {
        problem('mysql-executable-comment', i, third === '!' ? '/*!' : '/*M!');
      } else if (third === '+') {
        problem('mysql-optimizer-hint', i, '/*+');
      }
      const close = sql.indexOf('*/', i + 2);
      const end = close === -1 ? sql.length : close + 2;
      const nested = sql.indexOf('/*', i + 2);
      if (nested !== -1 && nested < end) problem('mysql-nested-comment', nested, '/*');
      if (close === -1) problem('mysql-unterminated-comment', i, '/*');
      i = end;
      continue;
    }
    if (char === "'" || char === '"' || char === '`') {
      const end = skipQuoted(sql, i + 1, char, char !== '`' && backslashEscapes);
      const stop = end === -1 ? sql.length : end;
      tokens.push({
        type: char === '`' ? 'quoted' : 'string',
        text: sql.slice(i, stop),
        start: i,
        end: stop,
      });
      i = stop;
      continue;
    }
    if (isIdentChar(code)) {
      let end = i + 1;
      while (end < sql.length && isIdentChar(sql.charCodeAt(end))) end++;
      const text = sql.slice(i, end);
      tokens.push({ type: /^[0-9]/.test(text) ? 'number' : 'word', text, start: i, end });
      i = end;
      continue;
    }
    if (char === '@' && sql[i + 1] === '@') {
      tokens.push({ type: 'symbol', text: '@@', start: i, end: i + 2 });
      i += 2;
      continue;
    }
    tokens.push({ type: 'symbol', text: char, start: i, end: i + 1 });
    i++;
  }
  return { tokens, findings };
}

function layout(tokens: MysqlToken[]): string {
  return tokens.map((token) => `${token.type}:${token.start}:${token.end}`).join(' ');
}

/**
 * Tokenizes a statement under both backslash rules (the server's sql_mode decides which applies) and
 * returns the default reading, with a finding when the two readings differ.
 */
export function lexMysqlStrictly(sql: string): MysqlLexResult {
  const escaped = lexMysql(sql, true);
  if (!sql.includes('\\')) return escaped;
  const literal = lexMysql(sql, false);
  if (
    layout(literal.tokens) === layout(escaped.tokens) &&
    literal.findings.length === escaped.findings.length
  ) {
    return escaped;
  }
  const at = sql.indexOf('\\');
  return {
    tokens: escaped.tokens,
    findings: [
      ...escaped.findings,
      {
        rule: 'mysql-ambiguous-escape',
        subject: 'a backslash escape',
        needs: null,
        why: RAW_WHY['mysql-ambiguous-escape'] ?? '',
        position: characterPosition(sql, at, 'utf16'),
      },
    ],
  };
}
