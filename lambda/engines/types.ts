import type { Cell, Column, DbqError, EngineName, Role } from '../../shared/protocol/index.js';

/** How one statement is run. */
export interface ExecuteOptions {
  /** How many rows to read ahead with the first round trip (the first page is usually this small). */
  prefetchRows?: number;
  /** Run inside a READ ONLY transaction (the read role always does). */
  readOnly: boolean;
  /** Statement timeout enforced by the database itself, in milliseconds. */
  timeoutMs: number;
}

/**
 * A statement that has started: its columns are known, its rows are read on demand. The statement's
 * transaction stays open until `close`, so a read can be paged through a consistent snapshot.
 */
export interface StatementResult {
  readonly columns: Column[];
  /** Command tag such as `SELECT` or `INSERT`, null when the engine has none. */
  readonly command: string | null;
  /** Reads up to `maxRows` more rows, encoded as wire cells; an empty array means the result is exhausted. */
  readRows(maxRows: number): Promise<Cell[][]>;
  /** Rows changed by a write; meaningful once the result is exhausted. */
  affectedRows(): number | null;
  /** Server notices and warnings raised so far. */
  readonly notices: string[];
  /** Ends the statement and its transaction: `commit` keeps a write, `rollback` discards everything. */
  close(outcome: 'commit' | 'rollback'): Promise<void>;
}

/** One database session, used by one request (or one held cursor) at a time. */
export interface EngineConnection {
  /** Begins the transaction, applies the timeout and starts the statement. Rejects with the database error. */
  execute(sql: string, options: ExecuteOptions): Promise<StatementResult>;
  /**
   * Called before every use of a reused session: clears session state an earlier statement may have left
   * (settings, prepared statements, temporary objects, locks) where the engine can, and proves the session
   * is alive with a round trip. Rejects when it is not alive.
   */
  ping(): Promise<void>;
  /**
   * Asks the server, out of band, to stop the statement this session is running (PostgreSQL's cancel
   * request, MySQL's `KILL QUERY` from a second session), so a request near the function's deadline can
   * still answer and be audited. The session is marked broken and never reused: a cancel that arrives late
   * must not hit a later statement. Never rejects; an engine that cannot cancel (PGlite) does nothing.
   */
  cancel(): Promise<void>;
  /** The server's version string, e.g. `PostgreSQL 15.19` or `10.11.19-MariaDB`. */
  readonly serverVersion: string;
  /** True once the connection failed at the transport level; it must not be reused. */
  readonly broken: boolean;
  /** Closes the session; never rejects. */
  close(): Promise<void>;
}

/** A database engine: opens sessions as the database user of a role and explains its errors. */
export interface Engine {
  readonly name: EngineName;
  /** The most sessions this engine may have open at once (PGlite has exactly one). */
  readonly maxConnections: number;
  /**
   * True when the database's statement timeout keeps running while a held cursor waits for its next
   * fetch (MariaDB and MySQL stream a result that is still executing; PostgreSQL times a portal read
   * without Sync as one statement), so a slow reader's cursor times out and must be resumed rather than
   * reported as a slow statement.
   */
  readonly timeoutCoversPausedReads: boolean;
  connect(role: Role): Promise<EngineConnection>;
  /** Turns a driver or database error into a wire error; anything unknown becomes INTERNAL or CONNECTION. */
  toDbqError(error: unknown): DbqError;
  /** Releases everything the engine holds (embedded databases, sockets). */
  shutdown(): Promise<void>;
}
