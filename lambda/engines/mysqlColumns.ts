import type { Cell, Column, ColumnKind } from '../../shared/protocol/index.js';
import { encodeFloat } from '../../shared/protocol/index.js';

/** The parts of a mysql2 column definition packet the codec reads. */
export interface MysqlField {
  name: string;
  columnType?: number;
  flags: number | string[];
  columnLength?: number;
  decimals: number;
  characterSet?: number;
  /** MariaDB extended metadata: `uuid`, `inet6`, `point`, … */
  extendedTypeName?: string;
  /** MariaDB extended metadata: `json` for its JSON alias of LONGTEXT. */
  extendedFormat?: string;
}

/** Turns one raw text-protocol value into a wire cell; NULL is handled before it is called. */
export type MysqlCellDecoder = (raw: Buffer) => Cell;

export interface MysqlColumn {
  column: Column;
  decode: MysqlCellDecoder;
}

const T = {
  DECIMAL: 0x00,
  TINY: 0x01,
  SHORT: 0x02,
  LONG: 0x03,
  FLOAT: 0x04,
  DOUBLE: 0x05,
  NULL: 0x06,
  TIMESTAMP: 0x07,
  LONGLONG: 0x08,
  INT24: 0x09,
  DATE: 0x0a,
  TIME: 0x0b,
  DATETIME: 0x0c,
  YEAR: 0x0d,
  NEWDATE: 0x0e,
  VARCHAR: 0x0f,
  BIT: 0x10,
  VECTOR: 0xf2,
  JSON: 0xf5,
  NEWDECIMAL: 0xf6,
  ENUM: 0xf7,
  SET: 0xf8,
  TINY_BLOB: 0xf9,
  MEDIUM_BLOB: 0xfa,
  LONG_BLOB: 0xfb,
  BLOB: 0xfc,
  VAR_STRING: 0xfd,
  STRING: 0xfe,
  GEOMETRY: 0xff,
} as const;

const UNSIGNED_FLAG = 32;
const ENUM_FLAG = 256;
const SET_FLAG = 2048;
const BINARY_CHARSET = 63;
/** FLOAT and DOUBLE without a fixed scale report NOT_FIXED_DEC decimals: 31 in MySQL, 39 in MariaDB. */
const NOT_FIXED_DEC = 31;

const ascii = (raw: Buffer): string => raw.toString('latin1');
const utf8 = (raw: Buffer): string => raw.toString('utf8');
const decoders = {
  int: (raw: Buffer): Cell => Number(ascii(raw)),
  exactText: ascii,
  float: (raw: Buffer): Cell => encodeFloat(Number(ascii(raw))),
  text: utf8,
  bytes: (raw: Buffer): Cell => ({ base64: raw.toString('base64') }),
  null: (): Cell => null,
  timestamp: (raw: Buffer): Cell => isoDateTime(ascii(raw), ''),
  timestamptz: (raw: Buffer): Cell => isoDateTime(ascii(raw), '+00:00'),
} satisfies Record<string, MysqlCellDecoder>;

/**
 * `2024-01-02 03:04:05.123456` as ISO-8601 (`T`, fraction kept, optional offset). Zero and partial dates
 * (`0000-00-00`, `2024-00-15`) have no ISO form, so they travel as the server's own text.
 */
export function isoDateTime(text: string, offset: string): string {
  if (text.length < 19 || text[10] !== ' ' || text.startsWith('00', 5) || text.startsWith('00', 8))
    return text;
  return `${text.slice(0, 10)}T${text.slice(11)}${offset}`;
}

/** BIT(n) arrives as big-endian bytes; its cell is exactly n characters of 0 and 1. */
function bitsDecoder(width: number): MysqlCellDecoder {
  return (raw) => {
    let bits = '';
    for (const byte of raw) bits += byte.toString(2).padStart(8, '0');
    return bits.length >= width ? bits.slice(bits.length - width) : bits.padStart(width, '0');
  };
}

function flagsOf(field: MysqlField): number {
  return typeof field.flags === 'number' ? field.flags : 0;
}

function blobSize(byteLength: number): 'TINY' | '' | 'MEDIUM' | 'LONG' {
  // Lengths are in bytes of the result character set (up to 4 per character for utf8mb4).
  if (byteLength <= 255 * 4) return 'TINY';
  if (byteLength <= 65_535 * 4) return '';
  if (byteLength <= 16_777_215 * 4) return 'MEDIUM';
  return 'LONG';
}

function fractional(name: string, decimals: number): string {
  return decimals > 0 && decimals <= 6 ? `${name}(${decimals})` : name;
}

function described(name: string, type: string, kind: ColumnKind, decode: MysqlCellDecoder): MysqlColumn {
  return { column: { name, type, kind }, decode };
}

/**
 * The readable MySQL type name and wire kind of a result column, from its column definition packet.
 * Values are decoded from the raw text protocol bytes, so the codec (not the driver) decides how each
 * type travels.
 */
export function describeMysqlField(field: MysqlField): MysqlColumn {
  const flags = flagsOf(field);
  const unsigned = (flags & UNSIGNED_FLAG) !== 0 ? ' UNSIGNED' : '';
  const length = field.columnLength ?? 0;
  const binary = field.characterSet === BINARY_CHARSET;
  const extended = field.extendedTypeName?.toUpperCase();
  const name = field.name;

  switch (field.columnType) {
    case T.TINY:
      return described(name, `TINYINT${length === 1 ? '(1)' : ''}${unsigned}`, 'int', decoders.int);
    case T.SHORT:
      return described(name, `SMALLINT${unsigned}`, 'int', decoders.int);
    case T.INT24:
      return described(name, `MEDIUMINT${unsigned}`, 'int', decoders.int);
    case T.LONG:
      return described(name, `INT${unsigned}`, 'int', decoders.int);
    case T.YEAR:
      return described(name, 'YEAR', 'int', decoders.int);
    case T.LONGLONG:
      return described(name, `BIGINT${unsigned}`, 'bigint', decoders.exactText);
    case T.DECIMAL:
    case T.NEWDECIMAL: {
      // The display length counts the sign (when signed) and the decimal point (when there is a scale).
      const precision = length - (unsigned ? 0 : 1) - (field.decimals > 0 ? 1 : 0);
      return described(
        name,
        `DECIMAL(${precision},${field.decimals})${unsigned}`,
        'decimal',
        decoders.exactText,
      );
    }
    case T.FLOAT:
    case T.DOUBLE: {
      const base = field.columnType === T.FLOAT ? 'FLOAT' : 'DOUBLE';
      const scale =
        field.decimals < NOT_FIXED_DEC && field.decimals > 0 ? `(${length},${field.decimals})` : '';
      return described(name, `${base}${scale}${unsigned}`, 'float', decoders.float);
    }
    case T.NULL:
      return described(name, 'NULL', 'other', decoders.null);
    case T.DATE:
    case T.NEWDATE:
      return described(name, 'DATE', 'date', decoders.exactText);
    case T.TIME:
      return described(name, fractional('TIME', field.decimals), 'time', decoders.exactText);
    case T.DATETIME:
      return described(name, fractional('DATETIME', field.decimals), 'timestamp', decoders.timestamp);
    case T.TIMESTAMP:
      return described(name, fractional('TIMESTAMP', field.decimals), 'timestamptz', decoders.timestamptz);
    case T.BIT:
      return described(name, `BIT(${length})`, 'bits', bitsDecoder(length));
    case T.JSON:
      return described(name, 'JSON', 'json', decoders.text);
    case T.VECTOR:
      return described(name, 'VECTOR', 'bytes', decoders.bytes);
    case T.GEOMETRY:
      return described(name, extended ?? 'GEOMETRY', 'bytes', decoders.bytes);
    case T.ENUM:
      return described(name, 'ENUM', 'enum', decoders.text);
    case T.SET:
      return described(name, 'SET', 'set', decoders.text);
    case T.TINY_BLOB:
    case T.MEDIUM_BLOB:
    case T.LONG_BLOB:
    case T.BLOB:
      if (field.extendedFormat === 'json') return described(name, 'JSON', 'json', decoders.text);
      if (extended !== undefined) return extendedString(name, extended, binary);
      return binary
        ? described(name, `${blobSize(length)}BLOB`, 'bytes', decoders.bytes)
        : described(name, `${blobSize(length)}TEXT`, 'text', decoders.text);
    case T.VARCHAR:
    case T.VAR_STRING:
    case T.STRING: {
      if ((flags & ENUM_FLAG) !== 0) return described(name, 'ENUM', 'enum', decoders.text);
      if ((flags & SET_FLAG) !== 0) return described(name, 'SET', 'set', decoders.text);
      if (field.extendedFormat === 'json') return described(name, 'JSON', 'json', decoders.text);
      if (extended !== undefined) return extendedString(name, extended, binary);
      const fixed = field.columnType === T.STRING;
      if (binary) return described(name, fixed ? 'BINARY' : 'VARBINARY', 'bytes', decoders.bytes);
      return described(name, fixed ? 'CHAR' : 'VARCHAR', 'text', decoders.text);
    }
    default:
      return binary
        ? described(name, extended ?? 'UNKNOWN', 'bytes', decoders.bytes)
        : described(name, extended ?? 'UNKNOWN', 'other', decoders.text);
  }
}

/** MariaDB's own data types (UUID, INET4, INET6, VECTOR) travel as strings or blobs on the wire. */
function extendedString(name: string, extended: string, binary: boolean): MysqlColumn {
  if (extended === 'UUID') return described(name, extended, 'uuid', decoders.text);
  return binary
    ? described(name, extended, 'bytes', decoders.bytes)
    : described(name, extended, 'other', decoders.text);
}

/** Encodes one row of raw text-protocol values (`typeCast: false`) with the decoders of its columns. */
export function encodeMysqlRow(raw: ReadonlyArray<Buffer | null>, columns: readonly MysqlColumn[]): Cell[] {
  const cells = new Array<Cell>(columns.length);
  for (let i = 0; i < columns.length; i++) {
    const value = raw[i];
    const column = columns[i];
    cells[i] = value === null || value === undefined || column === undefined ? null : column.decode(value);
  }
  return cells;
}
