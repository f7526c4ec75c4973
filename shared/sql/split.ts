/**
 * A lexical SQL statement splitter: it knows quotes and comments, not grammar. Used by the client to
 * cut scripts and REPL input into statements and by the Lambda to insist on one statement per request,
 * so where the dialects differ it follows the server's lexer, not the friendliest reading.
 */

export type SqlDialect = 'postgres' | 'mysql';

export interface SqlStatement {
  /** The statement, trimmed, without its terminating `;`. Comments inside it are kept. */
  text: string;
  /** Offset of `text` in the input: `input.slice(start, end) === text`. */
  start: number;
  end: number;
}

/** What is left unterminated at the end of the input. */
export type OpenConstruct = null | 'quote' | 'dquote' | 'backtick' | 'dollar' | 'comment';

export interface ScanState {
  /** The input ends with a `;` outside quotes and comments, followed only by whitespace and comments. */
  complete: boolean;
  open: OpenConstruct;
}

const SEMICOLON = 0x3b;
const QUOTE = 0x27;
const DQUOTE = 0x22;
const BACKTICK = 0x60;
const BACKSLASH = 0x5c;
const DOLLAR = 0x24;
const DASH = 0x2d;
const HASH = 0x23;
const SLASH = 0x2f;
const STAR = 0x2a;
const BANG = 0x21;
const LF = 0x0a;
const CR = 0x0d;

const UNICODE_SPACE = /\s/;

/** The characters `String.prototype.trim` removes, so "empty" agrees with the trimmed text. */
function isSpace(code: number, sql: string, index: number): boolean {
  if (code < 0x80) return code === 0x20 || (code >= 0x09 && code <= 0x0d);
  return UNICODE_SPACE.test(sql.charAt(index));
}

function isLetter(code: number): boolean {
  return (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a);
}

function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}

/** PostgreSQL identifier characters (`$` included: `a$b` is one identifier). */
function isIdentChar(code: number): boolean {
  return isLetter(code) || isDigit(code) || code === 0x5f || code === DOLLAR || code >= 0x80;
}

/** A dollar-quote tag may not start with a digit, so `$1` is a parameter. */
function isTagStart(code: number): boolean {
  return isLetter(code) || code === 0x5f || code >= 0x80;
}

function isTagChar(code: number): boolean {
  return isTagStart(code) || isDigit(code);
}

/** Index just past the closing quote, or -1 if the quote never closes. A doubled quote is an escape. */
function skipQuoted(sql: string, from: number, quote: number, backslashEscapes: boolean): number {
  for (let i = from; i < sql.length; i++) {
    const code = sql.charCodeAt(i);
    if (code === BACKSLASH && backslashEscapes) {
      i++;
    } else if (code === quote) {
      if (sql.charCodeAt(i + 1) !== quote) return i + 1;
      i++;
    }
  }
  return -1;
}

/** The `$tag$` (or `$$`) starting at `at`, or null when the `$` starts no dollar quote. */
function dollarTag(sql: string, at: number): string | null {
  if (at > 0 && isIdentChar(sql.charCodeAt(at - 1))) return null;
  let i = at + 1;
  if (sql.charCodeAt(i) !== DOLLAR) {
    if (!isTagStart(sql.charCodeAt(i))) return null;
    while (i < sql.length && isTagChar(sql.charCodeAt(i))) i++;
    if (sql.charCodeAt(i) !== DOLLAR) return null;
  }
  return sql.slice(at, i + 1);
}

/** MySQL: `--` starts a comment only when followed by whitespace, a control character or the end. */
function isMysqlDashComment(sql: string, at: number): boolean {
  if (at + 2 >= sql.length) return true;
  const next = sql.charCodeAt(at + 2);
  return next <= 0x20 || next === 0x7f;
}

/** Index of the end of a line comment starting at `from` (the line break itself is not consumed). */
function lineEnd(sql: string, from: number, dialect: SqlDialect): number {
  for (let i = from; i < sql.length; i++) {
    const code = sql.charCodeAt(i);
    // PostgreSQL's lexer ends a comment at \r or \n; MySQL's only at \n.
    if (code === LF || (code === CR && dialect === 'postgres')) return i;
  }
  return sql.length;
}

/** Index just past the `*\/` closing a block comment whose body starts at `from`, or -1. */
function blockCommentEnd(sql: string, from: number, nested: boolean): number {
  let depth = 1;
  for (let i = from; i < sql.length - 1; i++) {
    const code = sql.charCodeAt(i);
    if (code === STAR && sql.charCodeAt(i + 1) === SLASH) {
      depth--;
      i++;
      if (depth === 0) return i + 1;
    } else if (nested && code === SLASH && sql.charCodeAt(i + 1) === STAR) {
      depth++;
      i++;
    }
  }
  return -1;
}

interface ScanResult {
  statements: SqlStatement[];
  open: OpenConstruct;
  /** The last thing outside whitespace and comments was a terminating `;`. */
  endsWithTerminator: boolean;
}

function scan(sql: string, dialect: SqlDialect): ScanResult {
  const mysql = dialect === 'mysql';
  const statements: SqlStatement[] = [];
  let open: OpenConstruct = null;
  let segmentStart = 0;
  let hasContent = false;
  let endsWithTerminator = false;
  // Inside MySQL's `/*! … *\/` (or MariaDB's `/*M! … *\/`): the server runs its body as code.
  let inExecutableComment = false;

  const finish = (end: number): void => {
    if (hasContent) {
      const raw = sql.slice(segmentStart, end);
      const leading = raw.length - raw.trimStart().length;
      const text = raw.trim();
      statements.push({ text, start: segmentStart + leading, end: segmentStart + leading + text.length });
    }
    hasContent = false;
  };

  let i = 0;
  while (i < sql.length) {
    const code = sql.charCodeAt(i);
    if (isSpace(code, sql, i)) {
      i++;
      continue;
    }
    const next = sql.charCodeAt(i + 1);

    if (code === DASH && next === DASH && (!mysql || isMysqlDashComment(sql, i))) {
      i = lineEnd(sql, i + 2, dialect);
      continue;
    }
    if (code === HASH && mysql) {
      i = lineEnd(sql, i + 1, dialect);
      continue;
    }
    if (code === SLASH && next === STAR) {
      const third = sql.charCodeAt(i + 2);
      if (mysql && (third === BANG || (third === 0x4d && sql.charCodeAt(i + 3) === BANG))) {
        inExecutableComment = true;
        hasContent = true;
        endsWithTerminator = false;
        i += third === BANG ? 3 : 4;
        continue;
      }
      const end = blockCommentEnd(sql, i + 2, !mysql);
      if (end === -1) {
        open = 'comment';
        break;
      }
      i = end;
      continue;
    }
    if (code === STAR && next === SLASH && inExecutableComment) {
      inExecutableComment = false;
      i += 2;
      continue;
    }

    if (code === SEMICOLON) {
      finish(i);
      segmentStart = i + 1;
      endsWithTerminator = true;
      i++;
      continue;
    }

    hasContent = true;
    endsWithTerminator = false;

    if (code === QUOTE) {
      let backslashEscapes = mysql;
      if (!mysql && i > 0) {
        // PostgreSQL honours backslash escapes only in E'…' strings.
        const prefix = sql.charCodeAt(i - 1);
        backslashEscapes =
          (prefix === 0x45 || prefix === 0x65) && (i < 2 || !isIdentChar(sql.charCodeAt(i - 2)));
      }
      const end = skipQuoted(sql, i + 1, QUOTE, backslashEscapes);
      if (end === -1) {
        open = 'quote';
        break;
      }
      i = end;
    } else if (code === DQUOTE) {
      const end = skipQuoted(sql, i + 1, DQUOTE, mysql);
      if (end === -1) {
        open = 'dquote';
        break;
      }
      i = end;
    } else if (code === BACKTICK && mysql) {
      const end = skipQuoted(sql, i + 1, BACKTICK, false);
      if (end === -1) {
        open = 'backtick';
        break;
      }
      i = end;
    } else if (code === DOLLAR && !mysql) {
      const tag = dollarTag(sql, i);
      if (tag === null) {
        i++;
        continue;
      }
      const close = sql.indexOf(tag, i + tag.length);
      if (close === -1) {
        open = 'dollar';
        break;
      }
      i = close + tag.length;
    } else {
      i++;
    }
  }

  if (open === null && inExecutableComment) open = 'comment';
  finish(sql.length);
  return { statements, open, endsWithTerminator: endsWithTerminator && open === null };
}

/**
 * Splits SQL text into statements at each `;` outside quotes, comments and dollar quotes. Statements
 * that are only whitespace and comments are dropped; a last statement without `;` is kept; an
 * unterminated quote or comment makes the rest of the input one statement.
 *
 * Dialect rules: PostgreSQL has `''`-escaped strings (backslash escapes only in `E'…'`), `""`
 * identifiers, dollar quotes (`$$…$$`, `$tag$…$tag$`; `$1` is a parameter) and nested block comments.
 * MySQL has backslash escapes in `'…'` and `"…"`, backtick identifiers, `#` comments, `-- ` comments
 * only when the dashes are followed by whitespace or a control character, flat block comments, and
 * `/*! … *\/` executable comments, whose body counts as code.
 */
export function splitStatements(sql: string, dialect: SqlDialect): SqlStatement[] {
  return scan(sql, dialect).statements;
}

/**
 * Whether input typed so far is ready to run (psql's rule: a line that ends with `;`, ignoring
 * trailing whitespace and comments) and what is still open at its end.
 */
export function scanState(sql: string, dialect: SqlDialect): ScanState {
  const { open, endsWithTerminator } = scan(sql, dialect);
  return { complete: endsWithTerminator, open };
}
