import { DbqError, type ErrorCode } from '../../shared/protocol/index.js';

/** The fields mysql2 puts on driver, network and server errors. */
interface MysqlErrorFields {
  code?: unknown;
  errno?: unknown;
  sqlState?: unknown;
  sqlMessage?: unknown;
  sql?: unknown;
  fatal?: unknown;
}

const ER_ACCESS_DENIED = 1045;
const ER_PARSE_ERROR = 1064;
const TIMEOUT_ERRNOS = new Set([
  1317, // ER_QUERY_INTERRUPTED
  1969, // MariaDB ER_STATEMENT_TIMEOUT (max_statement_time)
  3024, // MySQL ER_QUERY_TIMEOUT (max_execution_time)
]);
/** Errors the server raises before a session exists, or that end it. */
const CONNECTION_ERRNOS = new Set([
  1040, // ER_CON_COUNT_ERROR
  1043, // ER_HANDSHAKE_ERROR
  1044, // ER_DBACCESS_DENIED_ERROR
  ER_ACCESS_DENIED,
  1049, // ER_BAD_DB_ERROR
  1129, // ER_HOST_IS_BLOCKED
  1130, // ER_HOST_NOT_PRIVILEGED
  1251, // ER_NOT_SUPPORTED_AUTH_MODE
  1927, // MariaDB ER_CONNECTION_KILLED
  4031, // MySQL ER_CLIENT_INTERACTION_TIMEOUT
]);
/** A deadlock or a lock wait timeout leaves the statement undone, so sending it again may work. */
const RETRYABLE_ERRNOS = new Set([1205, 1213]);
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'EPIPE',
  'PROTOCOL_CONNECTION_LOST',
]);
/** MySQL truncates the text after `near` to 80 characters (`%-.80s`). */
const NEAR_TEXT_LIMIT = 80;

function fieldsOf(error: Error): MysqlErrorFields {
  return error as Error & MysqlErrorFields;
}

function codeForErrno(errno: number): ErrorCode {
  if (errno === ER_PARSE_ERROR) return 'SYNTAX';
  if (TIMEOUT_ERRNOS.has(errno)) return 'TIMEOUT';
  if (CONNECTION_ERRNOS.has(errno)) return 'CONNECTION';
  return 'QUERY';
}

function codePointLength(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

/**
 * The 1-based character position of a syntax error, from MySQL's `near '…' at line N`. The quoted text is
 * the rest of the statement from the offending token (cut to 80 characters), so a short one is a suffix
 * of the statement and a long one is searched for from line N on; any doubt leaves the position out.
 */
export function mysqlSyntaxErrorPosition(sql: string, message: string): number | undefined {
  const match = /near '([\s\S]*)' at line (\d+)$/.exec(message);
  if (!match) return undefined;
  const near = match[1] ?? '';
  const line = Number(match[2]);
  if (near === '') return codePointLength(sql.trimEnd()) + 1;
  if (codePointLength(near) < NEAR_TEXT_LIMIT) {
    return sql.endsWith(near) ? codePointLength(sql) - codePointLength(near) + 1 : undefined;
  }
  let lineStart = 0;
  for (let current = 1; current < line; current++) {
    const newline = sql.indexOf('\n', lineStart);
    if (newline === -1) return undefined;
    lineStart = newline + 1;
  }
  const index = sql.indexOf(near, lineStart);
  if (index === -1 || sql.indexOf(near, index + 1) !== -1) return undefined;
  return codePointLength(sql.slice(0, index)) + 1;
}

/**
 * Maps mysql2 errors to wire errors, keeping the server's errno and SQL state. `where` is `host:port`,
 * named in connection errors.
 */
export function mysqlToDbqError(error: unknown, where: string): DbqError {
  if (error instanceof DbqError) return error;
  if (!(error instanceof Error)) return new DbqError('INTERNAL', String(error));
  const fields = fieldsOf(error);
  const code = typeof fields.code === 'string' ? fields.code : undefined;
  const errno = typeof fields.errno === 'number' && fields.errno > 0 ? fields.errno : undefined;
  const sqlstate =
    typeof fields.sqlState === 'string' && fields.sqlState !== '' ? fields.sqlState : undefined;
  const message = typeof fields.sqlMessage === 'string' ? fields.sqlMessage : error.message;
  const serverFields = {
    ...(errno === undefined ? {} : { errno }),
    ...(sqlstate === undefined ? {} : { sqlstate }),
  };

  if (errno !== undefined && sqlstate !== undefined) {
    const wireCode = codeForErrno(errno);
    if (wireCode === 'CONNECTION') {
      return new DbqError('CONNECTION', `cannot use the database at ${where}: ${message}`, serverFields);
    }
    const position =
      wireCode === 'SYNTAX' && typeof fields.sql === 'string'
        ? mysqlSyntaxErrorPosition(fields.sql, message)
        : undefined;
    return new DbqError(wireCode, message, {
      ...serverFields,
      ...(position === undefined ? {} : { position }),
      ...(RETRYABLE_ERRNOS.has(errno) ? { retryable: true } : {}),
    });
  }
  if ((code !== undefined && NETWORK_CODES.has(code)) || fields.fatal === true) {
    return new DbqError(
      'CONNECTION',
      `lost or cannot reach the database at ${where}: ${message}`,
      serverFields,
    );
  }
  if (/certificate|SSL|TLS/i.test(message)) {
    return new DbqError('CONNECTION', `TLS to ${where} failed: ${message}`);
  }
  return new DbqError('INTERNAL', message, serverFields);
}
