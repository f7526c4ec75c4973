import { DbqError, type ErrorCode } from '../../shared/protocol/index.js';

interface PgErrorFields {
  code?: string;
  message: string;
  detail?: string;
  hint?: string;
  position?: string;
  where?: string;
  severity?: string;
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'EPIPE',
]);

function isPgDatabaseError(error: unknown): error is Error & PgErrorFields {
  if (!(error instanceof Error) || !('severity' in error)) return false;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code);
}

function codeForSqlstate(sqlstate: string, message: string): ErrorCode {
  if (sqlstate === '42601') return 'SYNTAX';
  if (sqlstate === '57014') return /statement timeout/.test(message) ? 'TIMEOUT' : 'CANCELLED';
  if (
    sqlstate.startsWith('08') ||
    sqlstate.startsWith('28') ||
    sqlstate === '53300' ||
    sqlstate === '57P01'
  ) {
    return 'CONNECTION';
  }
  return 'QUERY';
}

/**
 * Maps node-postgres errors (also produced by PGlite's adapter) to wire errors, keeping SQLSTATE,
 * detail, hint, position and context.
 */
export function pgToDbqError(error: unknown, where: string): DbqError {
  if (error instanceof DbqError) return error;
  if (isPgDatabaseError(error)) {
    const sqlstate = error.code ?? '';
    const position = error.position === undefined ? undefined : Number(error.position);
    const fields = {
      sqlstate,
      ...(error.detail ? { detail: error.detail } : {}),
      ...(error.hint ? { hint: error.hint } : {}),
      ...(position !== undefined && Number.isInteger(position) ? { position } : {}),
      ...(error.where ? { where: error.where } : {}),
      ...(sqlstate === '40001' || sqlstate === '40P01' || sqlstate === '53300' ? { retryable: true } : {}),
    };
    return new DbqError(codeForSqlstate(sqlstate, error.message), error.message, fields);
  }
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    if (
      (typeof code === 'string' && NETWORK_CODES.has(code)) ||
      /Connection terminated|connection is closed|Client has encountered a connection error/i.test(
        error.message,
      )
    ) {
      return new DbqError('CONNECTION', `cannot reach the database at ${where}: ${error.message}`, {
        retryable: true,
      });
    }
    if (/self[- ]signed|certificate|SSL|TLS/i.test(error.message)) {
      return new DbqError('CONNECTION', `TLS to ${where} failed: ${error.message}`);
    }
    return new DbqError('INTERNAL', error.message);
  }
  return new DbqError('INTERNAL', String(error));
}
