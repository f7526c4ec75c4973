import type pg from 'pg';
import Cursor from 'pg-cursor';
import type { Cell, Column, EngineName, Role } from '../../shared/protocol/index.js';
import type { DbqError } from '../../shared/protocol/index.js';
import type { Engine, EngineConnection, ExecuteOptions, StatementResult } from './types.js';
import { builtinPgType, kindFromCatalog, pgTextToCell, withTypeModifier } from './pgTypes.js';
import { pgToDbqError } from './pgErrors.js';

/** Every value arrives as PostgreSQL's text so the codec, not the driver, decides how it travels. */
const RAW_TYPES = { getTypeParser: () => (value: string) => value };

/** Session settings the value codec relies on. */
const BASELINE_SETTINGS: Record<string, string> = {
  DateStyle: 'ISO, MDY',
  IntervalStyle: 'postgres',
  TimeZone: 'UTC',
  bytea_output: 'hex',
  extra_float_digits: '1',
};

const BASELINE = Object.entries(BASELINE_SETTINGS)
  .map(([name, value]) => `SET ${name} TO '${value}'`)
  .join('; ');

/**
 * The baseline as startup options: RESET (and so DISCARD ALL) returns a setting to its startup value,
 * so a server that accepts startup options needs no SETs after DISCARD ALL.
 */
export const BASELINE_STARTUP_OPTIONS = Object.entries(BASELINE_SETTINGS)
  .map(([name, value]) => `-c ${name}=${value.replace(/ /g, '\\ ')}`)
  .join(' ');

interface FieldInfo {
  name: string;
  dataTypeID: number;
  dataTypeModifier: number;
}

interface CatalogType {
  name: string;
  kind: Column['kind'];
}

/** Opens a connected node-postgres client as the database user of a role. */
export type PgConnector = (role: Role) => Promise<pg.Client>;

export interface PgEngineOptions {
  name: EngineName;
  connect: PgConnector;
  maxConnections: number;
  /** Where the database is, for error messages. */
  where: string;
  /** The connector passes BASELINE_STARTUP_OPTIONS in the startup packet. */
  baselineInStartup: boolean;
  /**
   * Stops the statement a client is running, from outside its session. Absent for PGlite: its one
   * in-process session runs a statement synchronously on this thread, so nothing could run a cancel until
   * the statement has returned anyway.
   */
  cancel?: (client: pg.Client) => Promise<void>;
  shutdown?: () => Promise<void>;
}

class PgStatement implements StatementResult {
  readonly notices: string[];
  private buffered: unknown[][];
  private done: boolean;
  private rowCount: number | null;

  constructor(
    private readonly client: pg.Client,
    private readonly cursor: Cursor<unknown[]>,
    readonly columns: Column[],
    readonly command: string | null,
    first: { rows: unknown[][]; done: boolean; rowCount: number | null },
    notices: string[],
    private readonly onBroken: () => void,
  ) {
    this.buffered = first.rows;
    this.done = first.done;
    this.rowCount = first.rowCount;
    this.notices = notices;
  }

  private encode(rows: unknown[][]): Cell[][] {
    const kinds = this.columns.map((column) => column.kind);
    return rows.map((row) => row.map((value, i) => pgTextToCell(value as string | null, kinds[i] ?? 'text')));
  }

  async readRows(maxRows: number): Promise<Cell[][]> {
    if (this.buffered.length > 0) {
      const rows = this.buffered.slice(0, maxRows);
      this.buffered = this.buffered.slice(rows.length);
      return this.encode(rows);
    }
    if (this.done) return [];
    const { rows, result } = await readCursor(this.cursor, maxRows);
    if (rows.length < maxRows) {
      this.done = true;
      this.rowCount = result.rowCount;
    }
    return this.encode(rows);
  }

  affectedRows(): number | null {
    return this.command === 'SELECT' ? null : this.rowCount;
  }

  async close(outcome: 'commit' | 'rollback'): Promise<void> {
    try {
      await this.cursor.close();
      await this.client.query(outcome === 'commit' ? 'COMMIT' : 'ROLLBACK');
    } catch (error) {
      this.onBroken();
      if (outcome === 'commit') throw error;
    }
  }
}

function readCursor(
  cursor: Cursor<unknown[]>,
  rows: number,
): Promise<{ rows: unknown[][]; result: pg.QueryResult<unknown[]> }> {
  return new Promise((resolve, reject) => {
    cursor.read(rows, (error, read, result) => {
      if (error) reject(error);
      else resolve({ rows: read, result: result as pg.QueryResult<unknown[]> });
    });
  });
}

class PgConnection implements EngineConnection {
  broken = false;

  constructor(
    private readonly client: pg.Client,
    readonly serverVersion: string,
    private readonly engine: PgEngine,
  ) {
    client.on('error', () => {
      this.broken = true;
    });
  }

  /**
   * DISCARD ALL drops what an earlier statement left behind: settings, prepared statements, cursors,
   * temporary tables, advisory locks. It must be a statement of its own (not in a transaction block).
   */
  async ping(): Promise<void> {
    try {
      await this.client.query('DISCARD ALL');
      if (!this.engine.baselineInStartup) await this.client.query(BASELINE);
    } catch (error) {
      this.broken = true;
      throw error;
    }
  }

  async execute(sql: string, options: ExecuteOptions): Promise<StatementResult> {
    const notices: string[] = [];
    const onNotice = (notice: { message?: string }): void => {
      if (notice.message) notices.push(notice.message);
    };
    this.client.on('notice', onNotice);
    const begin = options.readOnly ? 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY' : 'BEGIN';
    await this.client.query(
      `${begin}; SET LOCAL statement_timeout = ${Math.max(1, Math.floor(options.timeoutMs))}`,
    );
    const cursor = this.client.query(
      new Cursor<unknown[]>(sql, undefined, { rowMode: 'array', types: RAW_TYPES }),
    );
    try {
      const prefetch = Math.max(1, options.prefetchRows ?? 100);
      const { rows, result } = await readCursor(cursor, prefetch);
      const done = rows.length < prefetch;
      const fields = (result.fields ?? []) as FieldInfo[];
      const columns = await this.engine.describe(fields, done ? this.client : null);
      return new PgStatement(
        this.client,
        cursor,
        columns,
        result.command ?? null,
        { rows, done, rowCount: done ? result.rowCount : null },
        notices,
        () => {
          this.broken = true;
        },
      );
    } catch (error) {
      await this.client.query('ROLLBACK').catch(() => {
        this.broken = true;
      });
      throw error;
    } finally {
      this.client.off('notice', onNotice);
      // Notices raised while later pages are read are rare; the first page's are the ones users act on.
    }
  }

  async cancel(): Promise<void> {
    this.broken = true;
    await this.engine.cancelStatement(this.client).catch(() => undefined);
  }

  async close(): Promise<void> {
    this.broken = true;
    await this.client.end().catch(() => undefined);
  }
}

class PgEngine implements Engine {
  readonly name: EngineName;
  readonly maxConnections: number;
  readonly baselineInStartup: boolean;
  // pg-cursor sends no Sync between fetches, so PostgreSQL times the whole held cursor as one statement.
  readonly timeoutCoversPausedReads = true;
  private readonly types = new Map<number, CatalogType>();

  constructor(private readonly options: PgEngineOptions) {
    this.name = options.name;
    this.maxConnections = options.maxConnections;
    this.baselineInStartup = options.baselineInStartup;
  }

  async connect(role: Role): Promise<EngineConnection> {
    const client = await this.options.connect(role);
    try {
      const version = await client.query<{ server_version: string }>(`${BASELINE}; SHOW server_version`);
      const rows = Array.isArray(version)
        ? (version.at(-1) as pg.QueryResult<{ server_version: string }>).rows
        : [];
      return new PgConnection(client, `PostgreSQL ${rows[0]?.server_version ?? 'unknown'}`, this);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
  }

  /**
   * Names and kinds for result columns. Types outside the built-in table (enums, domains, extensions)
   * are looked up in pg_type when the session is free, and cached for the engine's life.
   */
  async describe(fields: FieldInfo[], freeClient: pg.Client | null): Promise<Column[]> {
    const unknown = fields.filter(
      (f) => builtinPgType(f.dataTypeID) === undefined && !this.types.has(f.dataTypeID),
    );
    if (unknown.length > 0 && freeClient) {
      const oids = [...new Set(unknown.map((f) => f.dataTypeID))];
      const found = await freeClient.query<{
        oid: string;
        name: string;
        typtype: string;
        typcategory: string;
        base: string;
      }>(
        'SELECT oid::int8::text AS oid, format_type(oid, NULL) AS name, typtype, typcategory, typbasetype::int8::text AS base FROM pg_type WHERE oid = ANY($1::oid[])',
        [oids],
      );
      for (const row of found.rows) {
        this.types.set(Number(row.oid), {
          name: row.name,
          kind: kindFromCatalog(row.typtype, row.typcategory, Number(row.base)),
        });
      }
    }
    return fields.map((field) => {
      const builtin = builtinPgType(field.dataTypeID);
      if (builtin) {
        return {
          name: field.name,
          type: withTypeModifier(builtin.name, field.dataTypeID, field.dataTypeModifier),
          kind: builtin.kind,
        };
      }
      const looked = this.types.get(field.dataTypeID);
      return {
        name: field.name,
        type: looked?.name ?? `oid:${field.dataTypeID}`,
        kind: looked?.kind ?? 'other',
      };
    });
  }

  async cancelStatement(client: pg.Client): Promise<void> {
    await this.options.cancel?.(client);
  }

  toDbqError(error: unknown): DbqError {
    return pgToDbqError(error, this.options.where);
  }

  async shutdown(): Promise<void> {
    await this.options.shutdown?.();
  }
}

/** A PostgreSQL-protocol engine over any node-postgres connector (a real server, or PGlite's adapter). */
export function createPgEngine(options: PgEngineOptions): Engine {
  return new PgEngine(options);
}
