/**
 * The lossless value model. Every cell travels as a JSON value whose meaning is fixed by its column's
 * `kind`, so nothing is lost to JavaScript numbers or to JSON:
 *
 * | kind        | cell                                                                   |
 * |-------------|------------------------------------------------------------------------|
 * | bool        | true / false                                                           |
 * | int         | number (only types that always fit in 2^53: int2, int4, INT, …)        |
 * | bigint      | string (int8, BIGINT, BIGINT UNSIGNED)                                 |
 * | decimal     | string (numeric, DECIMAL; also 'NaN', 'Infinity', '-Infinity')        |
 * | float       | number, or 'NaN' / 'Infinity' / '-Infinity'                            |
 * | bytes       | { base64: string }                                                     |
 * | json        | string: the JSON text exactly as the database returned it              |
 * | timestamptz | string: ISO-8601 with offset, microseconds kept                        |
 * | others      | string: the database's own text form (dates, times, intervals, arrays) |
 *
 * SQL NULL is always `null`; a JSON document `null` is the string "null"; the text 'NULL' is "NULL".
 */
export const COLUMN_KINDS = [
  'bool',
  'int',
  'bigint',
  'decimal',
  'float',
  'text',
  'bytes',
  'json',
  'uuid',
  'date',
  'time',
  'timestamp',
  'timestamptz',
  'interval',
  'array',
  'bits',
  'enum',
  'set',
  'other',
] as const;

export type ColumnKind = (typeof COLUMN_KINDS)[number];

export interface BytesCell {
  base64: string;
}

export type Cell = null | boolean | number | string | BytesCell;

export interface Column {
  name: string;
  /** The database's own type name, e.g. `int8`, `timestamptz`, `DECIMAL(65,30)`, `BIGINT UNSIGNED`. */
  type: string;
  kind: ColumnKind;
}

const NUMERIC_KINDS: ReadonlySet<ColumnKind> = new Set(['int', 'bigint', 'decimal', 'float']);

/** True for kinds a table right-aligns. */
export function isNumericKind(kind: ColumnKind): boolean {
  return NUMERIC_KINDS.has(kind);
}

export function isBytesCell(cell: Cell): cell is BytesCell {
  return typeof cell === 'object' && cell !== null;
}

/** Encodes a float that may be non-finite: JSON has no NaN or Infinity. */
export function encodeFloat(value: number): number | string {
  if (Number.isFinite(value)) return value;
  if (Number.isNaN(value)) return 'NaN';
  return value > 0 ? 'Infinity' : '-Infinity';
}

/** Bytes as a tagged base64 cell. */
export function encodeBytes(bytes: Uint8Array): BytesCell {
  return { base64: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64') };
}

/** Decodes a tagged base64 cell back to bytes. */
export function decodeBytes(cell: BytesCell): Uint8Array {
  return new Uint8Array(Buffer.from(cell.base64, 'base64'));
}

/**
 * The text of a non-null cell as PostgreSQL's own text output would show it: booleans `t`/`f`, bytes
 * as `\x` hex, everything else as sent. Used by the table and CSV formats.
 */
export function cellText(cell: Exclude<Cell, null>): string {
  if (typeof cell === 'string') return cell;
  if (typeof cell === 'number') return String(cell);
  if (typeof cell === 'boolean') return cell ? 't' : 'f';
  return '\\x' + Buffer.from(cell.base64, 'base64').toString('hex');
}

/** Checks that a JSON value is a well-formed cell. */
export function isCell(value: unknown): value is Cell {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value);
    case 'object': {
      if (value === null) return true;
      if (Array.isArray(value)) return false;
      const keys = Object.keys(value);
      return keys.length === 1 && keys[0] === 'base64' && typeof (value as BytesCell).base64 === 'string';
    }
    default:
      return false;
  }
}
