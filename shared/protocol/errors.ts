/**
 * Stable error codes shared by the client and the Lambda. Callers branch on `code`, never on messages.
 */
export const ERROR_CODES = [
  'BAD_REQUEST',
  'DENIED',
  'AUTH',
  'SYNTAX',
  'QUERY',
  'TIMEOUT',
  'CONNECTION',
  'TOO_LARGE',
  'CURSOR_EXPIRED',
  'CANCELLED',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** The wire form of an error: the database's own fields are kept when there are any. */
export interface WireError {
  code: ErrorCode;
  message: string;
  /** PostgreSQL SQLSTATE or MySQL SQL state. */
  sqlstate?: string;
  /** MySQL/MariaDB error number. */
  errno?: number;
  detail?: string;
  hint?: string;
  /** 1-based character position in the statement, as PostgreSQL reports it. */
  position?: number;
  where?: string;
  /** True when the same request may succeed if sent again unchanged. */
  retryable?: boolean;
}

/** An expected failure with a stable code; carries its own wire form. */
export class DbqError extends Error {
  readonly code: ErrorCode;
  readonly fields: Omit<WireError, 'code' | 'message'>;

  constructor(code: ErrorCode, message: string, fields: Omit<WireError, 'code' | 'message'> = {}) {
    super(message);
    this.name = 'DbqError';
    this.code = code;
    this.fields = fields;
  }

  toJSON(): WireError {
    return { code: this.code, message: this.message, ...this.fields };
  }

  static fromWire(error: WireError): DbqError {
    const { code, message, ...fields } = error;
    return new DbqError(code, message, fields);
  }
}

export function isDbqError(value: unknown): value is DbqError {
  return value instanceof DbqError;
}
