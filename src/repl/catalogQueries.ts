import type { EngineName } from '../../shared/protocol/index.js';

/**
 * `\dt`, `\d` and `\dn` as SQL, per engine: PostgreSQL (and PGlite) read pg_catalog as psql does; MySQL
 * and MariaDB read information_schema. They are ordinary read statements, so they travel the same
 * Lambda path as typed SQL: audited, role-checked, run READ ONLY.
 */
export type CatalogCommand =
  | { kind: 'listTables'; pattern: string | null }
  | { kind: 'describe'; name: string | null }
  | { kind: 'listSchemas' };

export interface CatalogQuery {
  sql: string;
  /** A heading printed above the result. */
  title: string;
}

/** A PostgreSQL string literal (standard_conforming_strings is on since 9.1, so only ' needs doubling). */
function pgLiteral(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/** A MySQL string literal that means the same under every sql_mode (backslashes included). */
function mysqlLiteral(text: string): string {
  if (text === '') return "''";
  return `CONVERT(X'${Buffer.from(text, 'utf8').toString('hex')}' USING utf8mb4)`;
}

/** psql's pattern (`*` any, `?` one character) as a LIKE pattern with `\` as the escape. */
export function likePattern(pattern: string): string {
  let like = '';
  for (const char of pattern) {
    if (char === '*') like += '%';
    else if (char === '?') like += '_';
    else if (char === '%' || char === '_' || char === '\\') like += `\\${char}`;
    else like += char;
  }
  return like;
}

/** Splits `schema.name` at the first dot outside double quotes or backticks. */
function splitQualified(name: string): { schema: string | null; name: string } {
  let quote: string | null = null;
  for (let i = 0; i < name.length; i++) {
    const char = name.charAt(i);
    if (quote !== null) {
      if (char === quote) quote = null;
    } else if (char === '"' || char === '`') {
      quote = char;
    } else if (char === '.') {
      return { schema: name.slice(0, i), name: name.slice(i + 1) };
    }
  }
  return { schema: null, name };
}

/** An identifier as PostgreSQL folds it: quoted keeps its case, unquoted is lower-cased. */
function pgIdentifier(part: string): string {
  const quoted = /^"(.*)"$/s.exec(part);
  return quoted ? (quoted[1] ?? '').replace(/""/g, '"') : part.toLowerCase();
}

function mysqlIdentifier(part: string): string {
  const quoted = /^[`"](.*)[`"]$/s.exec(part);
  return quoted ? (quoted[1] ?? '').replace(/``/g, '`') : part;
}

const PG_RELKINDS = `CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'partitioned table' WHEN 'v' THEN 'view'
  WHEN 'm' THEN 'materialized view' WHEN 'S' THEN 'sequence' WHEN 'f' THEN 'foreign table' END`;

const PG_USER_SCHEMAS = `n.nspname <> 'pg_catalog' AND n.nspname <> 'information_schema' AND n.nspname !~ '^pg_toast'`;

function pgRelations(kinds: string, pattern: string | null): string {
  let filter = `${PG_USER_SCHEMAS} AND pg_catalog.pg_table_is_visible(c.oid)`;
  if (pattern !== null) {
    const parts = splitQualified(pattern);
    const name = `c.relname LIKE ${pgLiteral(likePattern(pgIdentifier(parts.name)))}`;
    filter =
      parts.schema === null
        ? `${filter} AND ${name}`
        : `${PG_USER_SCHEMAS} AND n.nspname LIKE ${pgLiteral(likePattern(pgIdentifier(parts.schema)))} AND ${name}`;
  }
  return `SELECT n.nspname AS "Schema", c.relname AS "Name", ${PG_RELKINDS} AS "Type",
  pg_catalog.pg_get_userbyid(c.relowner) AS "Owner"
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN (${kinds}) AND ${filter}
ORDER BY 1, 2`;
}

function postgresQueries(command: CatalogCommand): CatalogQuery[] {
  switch (command.kind) {
    case 'listTables':
      return [{ title: 'List of tables', sql: pgRelations(`'r', 'p'`, command.pattern) }];
    case 'listSchemas':
      return [
        {
          title: 'List of schemas',
          sql: `SELECT n.nspname AS "Name", pg_catalog.pg_get_userbyid(n.nspowner) AS "Owner"
FROM pg_catalog.pg_namespace n
WHERE n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'
ORDER BY 1`,
        },
      ];
    case 'describe': {
      if (command.name === null) {
        return [{ title: 'List of relations', sql: pgRelations(`'r', 'p', 'v', 'm', 'S', 'f'`, null) }];
      }
      // regclass resolves the name exactly as the server would in a query: search_path, quoting, schema.
      const relation = `${pgLiteral(command.name)}::pg_catalog.regclass`;
      return [
        {
          title: `Table ${command.name}`,
          sql: `SELECT a.attname AS "Column", pg_catalog.format_type(a.atttypid, a.atttypmod) AS "Type",
  CASE WHEN a.attnotnull THEN 'not null' ELSE '' END AS "Nullable",
  pg_catalog.pg_get_expr(d.adbin, d.adrelid) AS "Default"
FROM pg_catalog.pg_attribute a
LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE a.attrelid = ${relation} AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attnum`,
        },
        {
          title: 'Indexes',
          sql: `SELECT i.relname AS "Index", pg_catalog.pg_get_indexdef(x.indexrelid) AS "Definition"
FROM pg_catalog.pg_index x JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid
WHERE x.indrelid = ${relation}
ORDER BY x.indisprimary DESC, i.relname`,
        },
      ];
    }
  }
}

function mysqlQueries(command: CatalogCommand): CatalogQuery[] {
  switch (command.kind) {
    case 'listTables': {
      let filter = 'table_schema = DATABASE()';
      if (command.pattern !== null) {
        const parts = splitQualified(command.pattern);
        const name = `table_name LIKE ${mysqlLiteral(likePattern(mysqlIdentifier(parts.name)))}`;
        filter =
          parts.schema === null
            ? `${filter} AND ${name}`
            : `table_schema LIKE ${mysqlLiteral(likePattern(mysqlIdentifier(parts.schema)))} AND ${name}`;
      }
      return [
        {
          title: 'List of tables',
          sql: `SELECT table_schema AS \`Schema\`, table_name AS \`Name\`, LOWER(table_type) AS \`Type\`, engine AS \`Engine\`
FROM information_schema.tables
WHERE table_type = 'BASE TABLE' AND ${filter}
ORDER BY 1, 2`,
        },
      ];
    }
    case 'listSchemas':
      return [
        {
          title: 'List of schemas',
          sql: `SELECT schema_name AS \`Name\`, default_character_set_name AS \`Charset\`
FROM information_schema.schemata
ORDER BY 1`,
        },
      ];
    case 'describe': {
      if (command.name === null) {
        return [
          {
            title: 'List of relations',
            sql: `SELECT table_schema AS \`Schema\`, table_name AS \`Name\`, LOWER(table_type) AS \`Type\`
FROM information_schema.tables
WHERE table_schema = DATABASE()
ORDER BY 1, 2`,
          },
        ];
      }
      const parts = splitQualified(command.name);
      const schema = parts.schema === null ? 'DATABASE()' : mysqlLiteral(mysqlIdentifier(parts.schema));
      const table = mysqlLiteral(mysqlIdentifier(parts.name));
      return [
        {
          title: `Table ${command.name}`,
          sql: `SELECT column_name AS \`Column\`, column_type AS \`Type\`,
  IF(is_nullable = 'NO', 'not null', '') AS \`Nullable\`, column_default AS \`Default\`, extra AS \`Extra\`
FROM information_schema.columns
WHERE table_schema = ${schema} AND table_name = ${table}
ORDER BY ordinal_position`,
        },
        {
          title: 'Indexes',
          sql: `SELECT index_name AS \`Index\`, IF(non_unique = 0, 'unique', '') AS \`Unique\`,
  GROUP_CONCAT(column_name ORDER BY seq_in_index SEPARATOR ', ') AS \`Columns\`
FROM information_schema.statistics
WHERE table_schema = ${schema} AND table_name = ${table}
GROUP BY index_name, non_unique
ORDER BY index_name = 'PRIMARY' DESC, index_name`,
        },
      ];
    }
  }
}

/** The statements that answer a catalog meta-command on the given engine. */
export function catalogQueries(engine: EngineName, command: CatalogCommand): CatalogQuery[] {
  return engine === 'mysql' ? mysqlQueries(command) : postgresQueries(command);
}
