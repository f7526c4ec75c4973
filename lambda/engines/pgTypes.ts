import { encodeFloat, type Cell, type ColumnKind } from '../../shared/protocol/index.js';

interface PgType {
  name: string;
  kind: ColumnKind;
}

/** Built-in PostgreSQL types by OID (pg_type.dat). Anything else is looked up or shown as text. */
const BUILTIN: Record<number, PgType> = {
  16: { name: 'bool', kind: 'bool' },
  17: { name: 'bytea', kind: 'bytes' },
  18: { name: 'char', kind: 'text' },
  19: { name: 'name', kind: 'text' },
  20: { name: 'int8', kind: 'bigint' },
  21: { name: 'int2', kind: 'int' },
  23: { name: 'int4', kind: 'int' },
  24: { name: 'regproc', kind: 'text' },
  25: { name: 'text', kind: 'text' },
  26: { name: 'oid', kind: 'int' },
  28: { name: 'xid', kind: 'int' },
  114: { name: 'json', kind: 'json' },
  142: { name: 'xml', kind: 'text' },
  600: { name: 'point', kind: 'other' },
  650: { name: 'cidr', kind: 'other' },
  700: { name: 'float4', kind: 'float' },
  701: { name: 'float8', kind: 'float' },
  790: { name: 'money', kind: 'other' },
  829: { name: 'macaddr', kind: 'other' },
  869: { name: 'inet', kind: 'other' },
  1042: { name: 'bpchar', kind: 'text' },
  1043: { name: 'varchar', kind: 'text' },
  1082: { name: 'date', kind: 'date' },
  1083: { name: 'time', kind: 'time' },
  1114: { name: 'timestamp', kind: 'timestamp' },
  1184: { name: 'timestamptz', kind: 'timestamptz' },
  1186: { name: 'interval', kind: 'interval' },
  1266: { name: 'timetz', kind: 'time' },
  1560: { name: 'bit', kind: 'bits' },
  1562: { name: 'varbit', kind: 'bits' },
  1700: { name: 'numeric', kind: 'decimal' },
  2205: { name: 'regclass', kind: 'text' },
  2206: { name: 'regtype', kind: 'text' },
  2950: { name: 'uuid', kind: 'uuid' },
  3220: { name: 'pg_lsn', kind: 'other' },
  3614: { name: 'tsvector', kind: 'other' },
  3615: { name: 'tsquery', kind: 'other' },
  3802: { name: 'jsonb', kind: 'json' },
  4089: { name: 'regnamespace', kind: 'text' },
  4096: { name: 'regrole', kind: 'text' },
  2249: { name: 'record', kind: 'other' },
  2278: { name: 'void', kind: 'other' },
  705: { name: 'unknown', kind: 'text' },
};

const ARRAYS: Record<number, string> = {
  1000: 'bool[]',
  1001: 'bytea[]',
  1002: 'char[]',
  1003: 'name[]',
  1005: 'int2[]',
  1007: 'int4[]',
  1009: 'text[]',
  1014: 'bpchar[]',
  1015: 'varchar[]',
  1016: 'int8[]',
  1021: 'float4[]',
  1022: 'float8[]',
  1028: 'oid[]',
  1115: 'timestamp[]',
  1182: 'date[]',
  1183: 'time[]',
  1185: 'timestamptz[]',
  1187: 'interval[]',
  1231: 'numeric[]',
  1270: 'timetz[]',
  1561: 'bit[]',
  1563: 'varbit[]',
  199: 'json[]',
  3807: 'jsonb[]',
  2951: 'uuid[]',
  1040: 'macaddr[]',
  1041: 'inet[]',
  651: 'cidr[]',
};

/** The name and kind of a built-in type, or undefined for types that must be looked up. */
export function builtinPgType(oid: number): PgType | undefined {
  const builtin = BUILTIN[oid];
  if (builtin) return builtin;
  const array = ARRAYS[oid];
  return array === undefined ? undefined : { name: array, kind: 'array' };
}

/** Kind of a looked-up type from its pg_type row. */
export function kindFromCatalog(typtype: string, typcategory: string, baseOid: number): ColumnKind {
  if (typtype === 'e') return 'enum';
  if (typtype === 'd') return builtinPgType(baseOid)?.kind ?? 'text';
  if (typcategory === 'A') return 'array';
  return 'other';
}

const TIMESTAMPTZ = /^(\d{4,}-\d\d-\d\d) (\d\d:\d\d:\d\d(?:\.\d+)?)([+-]\d\d)(?::(\d\d))?(?::(\d\d))?$/;
const TIMESTAMP = /^(\d{4,}-\d\d-\d\d) (\d\d:\d\d:\d\d(?:\.\d+)?)$/;

/** PostgreSQL's ISO text `2024-01-02 03:04:05.5+09` as ISO-8601 `2024-01-02T03:04:05.5+09:00`. */
export function isoTimestamptz(text: string): string {
  const m = TIMESTAMPTZ.exec(text);
  if (!m) return text; // infinity, -infinity and BC dates have no ISO-8601 form: keep PostgreSQL's text
  const seconds = m[5] === undefined ? '' : `:${m[5]}`;
  return `${m[1]}T${m[2]}${m[3]}:${m[4] ?? '00'}${seconds}`;
}

export function isoTimestamp(text: string): string {
  const m = TIMESTAMP.exec(text);
  return m ? `${m[1]}T${m[2]}` : text;
}

/** Converts one value in PostgreSQL's text format to its wire cell. */
export function pgTextToCell(text: string | null, kind: ColumnKind): Cell {
  if (text === null) return null;
  switch (kind) {
    case 'bool':
      return text === 't';
    case 'int':
      return Number(text);
    case 'float':
      return encodeFloat(Number(text));
    case 'bytes':
      return { base64: Buffer.from(text.slice(2), 'hex').toString('base64') };
    case 'timestamptz':
      return isoTimestamptz(text);
    case 'timestamp':
      return isoTimestamp(text);
    default:
      return text;
  }
}

/** Adds a type modifier the way format_type() does for the common parameterised types. */
export function withTypeModifier(name: string, oid: number, typmod: number): string {
  if (typmod < 0) return name;
  switch (oid) {
    case 1043:
    case 1042:
      return `${name}(${typmod - 4})`;
    case 1560:
    case 1562:
      return `${name}(${typmod})`;
    case 1700: {
      const packed = typmod - 4;
      return `numeric(${(packed >> 16) & 0xffff},${packed & 0xffff})`;
    }
    case 1083:
    case 1114:
    case 1184:
    case 1266:
      return `${name}(${typmod})`;
    default:
      return name;
  }
}
