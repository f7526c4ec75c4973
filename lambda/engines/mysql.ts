import { connect as netConnect, isIP, type Socket } from 'node:net';
import { createConnection } from 'mysql2';
import type { Connection, ConnectionOptions, SslOptions } from 'mysql2';
import type { Role } from '../../shared/protocol/index.js';
import { DbqError } from '../../shared/protocol/index.js';
import type { DbUser, TargetConfig } from '../config.js';
import { mysqlToDbqError } from './mysqlErrors.js';
import { isRawRow, MysqlStatement, ROW_QUERY_OPTIONS, type RawRow } from './mysqlStatement.js';
import { mysqlIamAuthPlugins, passwordSource, type PasswordSource } from './iamAuth.js';
import { tlsFailure, tlsOptions } from './tls.js';
import type { Engine, EngineConnection, ExecuteOptions, StatementResult } from './types.js';

const DEFAULT_PORT = 3306;
const MAX_CONNECTIONS = 10;
const CONNECT_TIMEOUT_MS = 10_000;
/**
 * How long an abandoned read may spend draining its unread rows. A short remainder drains in well under
 * this; a big one is cheaper to cut off by dropping the session (the server aborts the statement when the
 * socket resets) than to pull over the network.
 */
const DRAIN_BUDGET_MS = 100;
/** A held cursor pauses the socket between pages; the server must wait that long for the client to read. */
const NET_WRITE_TIMEOUT_S = 900;
/** A cancel that cannot connect this fast will not help a request near its deadline anyway. */
const KILL_CONNECT_TIMEOUT_MS = 3_000;

/** mysql2 keeps the socket on the connection without typing it. */
interface WithSocket {
  stream?: { destroy(): void };
}

/** Drops the session at once: the socket resets, so a server still sending rows aborts the statement. */
function destroyNow(connection: Connection): void {
  connection.destroy();
  (connection as unknown as WithSocket).stream?.destroy();
}

function rawText(value: Buffer | null | undefined): string {
  return value === null || value === undefined ? '' : value.toString('utf8');
}

/**
 * Stops the statement a session runs with `KILL QUERY` from a second session of the same user (a user may
 * always kill its own statements; no PROCESS or CONNECTION ADMIN needed). The session itself survives.
 */
async function killQuery(options: ConnectionOptions, threadId: number): Promise<void> {
  const killer = createConnection({ ...options, connectTimeout: KILL_CONNECT_TIMEOUT_MS });
  killer.on('error', () => undefined);
  try {
    await new Promise<void>((resolve, reject) => {
      killer.query(`KILL QUERY ${Math.trunc(threadId)}`, (error) => (error ? reject(error) : resolve()));
    });
  } finally {
    destroyNow(killer);
  }
}

/**
 * The socket for a target given by IP address. mysql2 sets neither SNI nor the name to check for an
 * address, and Node then checks the server certificate against "localhost"; recording the address on the
 * socket, as Node itself does for a host name it resolves, makes the certificate have to name the address.
 */
function addressSocket(host: string, port: number): () => Socket {
  return () => {
    const socket = netConnect({ host, port });
    (socket as unknown as { _host: string })._host = host;
    socket.setNoDelay(true);
    socket.setKeepAlive(true);
    return socket;
  };
}

function sslOptions(target: TargetConfig): SslOptions | undefined {
  const tls = tlsOptions(target);
  if (tls === undefined) return undefined;
  const ca = typeof tls.ca === 'string' ? { ca: tls.ca } : {};
  // verify-full: the chain must lead to the CA and the certificate must name the host.
  return { ...ca, rejectUnauthorized: true, verifyIdentity: true };
}

/** One MySQL/MariaDB session, used by one request or one held cursor at a time. */
class MysqlSession implements EngineConnection {
  serverVersion = '';
  broken = false;
  private mariadb = false;
  private current: MysqlStatement | null = null;
  private closed = false;

  constructor(
    private readonly connection: Connection,
    private readonly where: string,
    private readonly killQuery: (threadId: number) => Promise<void>,
  ) {
    connection.on('error', (error: unknown) => {
      this.broken = true;
      this.current?.fail(error);
    });
    connection.on('end', () => {
      this.broken = true;
    });
  }

  /** Waits for the handshake, then sets the session up; the connection is dropped if any step fails. */
  async open(): Promise<void> {
    try {
      await new Promise<void>((resolve, reject) => {
        this.connection.connect((error) => (error ? reject(error) : resolve()));
      });
      await this.run(`SET SESSION time_zone = '+00:00', SESSION net_write_timeout = ${NET_WRITE_TIMEOUT_S}`);
      const [row] = await this.run('SELECT VERSION()');
      this.serverVersion = rawText(row?.[0]);
      this.mariadb = /mariadb/i.test(this.serverVersion);
    } catch (error) {
      destroyNow(this.connection);
      this.broken = true;
      throw error;
    }
  }

  /** A statement of our own (session setup, transaction control), read whole: they return a row or none. */
  private run(sql: string): Promise<RawRow[]> {
    return new Promise<RawRow[]>((resolve, reject) => {
      this.connection.query({ sql, ...ROW_QUERY_OPTIONS }, (error, result: unknown) => {
        if (error) {
          if (error.fatal) this.broken = true;
          reject(error);
          return;
        }
        resolve(Array.isArray(result) ? (result as unknown[]).filter(isRawRow) : []);
      });
    });
  }

  /** Rows still on the wire: no other command can be sent until they are read or the session is dropped. */
  private streaming(): boolean {
    return this.current !== null && !this.current.ended;
  }

  async execute(sql: string, options: ExecuteOptions): Promise<StatementResult> {
    if (this.broken || this.closed)
      throw new DbqError('CONNECTION', `the session with ${this.where} is closed`);
    // START TRANSACTION would silently commit the open statement's transaction.
    if (this.current !== null) throw new DbqError('INTERNAL', 'the session still has an open statement');
    const timeoutMs = Math.max(1, Math.round(options.timeoutMs));
    const timeout = this.mariadb
      ? `max_statement_time = ${timeoutMs / 1000}`
      : `max_execution_time = ${timeoutMs}`;
    // NAMES and time_zone again: an earlier statement on a reused session may have changed them, and the
    // codec relies on utf8mb4 results and TIMESTAMP values in UTC.
    await this.run(`SET NAMES utf8mb4, SESSION time_zone = '+00:00', SESSION ${timeout}`);
    await this.run(options.readOnly ? 'START TRANSACTION READ ONLY' : 'START TRANSACTION');
    const statement = new MysqlStatement(this.connection, sql, options.readOnly, (done, outcome) =>
      this.endStatement(done, outcome),
    );
    this.current = statement;
    try {
      await statement.started;
    } catch (error) {
      this.current = null;
      await this.rollbackQuietly();
      throw error;
    }
    if (statement.columns.length === 0 && statement.warningCount > 0) await this.collectWarnings(statement);
    return statement;
  }

  private async collectWarnings(statement: MysqlStatement): Promise<void> {
    try {
      for (const row of await this.run('SHOW WARNINGS')) {
        statement.notices.push(`${rawText(row[0])} ${rawText(row[1])}: ${rawText(row[2])}`);
      }
    } catch {
      // Warnings are a courtesy; the statement itself succeeded.
    }
  }

  private async rollbackQuietly(): Promise<void> {
    if (this.broken) return;
    try {
      await this.run('ROLLBACK');
    } catch {
      this.broken = true;
    }
  }

  /** Ends a statement's transaction; only a COMMIT that did not happen is reported. */
  private async endStatement(statement: MysqlStatement, outcome: 'commit' | 'rollback'): Promise<void> {
    if (this.current === statement) this.current = null;
    const keepsWrite = outcome === 'commit' && !statement.readOnly;
    if (!statement.ended && !this.broken) {
      // A write's remaining rows (RETURNING) must be read to the end for the write to be kept.
      const finished = await statement.discardRest(keepsWrite ? Infinity : DRAIN_BUDGET_MS);
      if (!finished) {
        destroyNow(this.connection);
        this.broken = true;
      }
    }
    if (this.broken) {
      if (!keepsWrite) return;
      throw new DbqError(
        'CONNECTION',
        `the session with ${this.where} was lost before COMMIT; nothing was committed`,
      );
    }
    try {
      await this.run(outcome === 'commit' ? 'COMMIT' : 'ROLLBACK');
    } catch (error) {
      if (!keepsWrite) {
        // A read, or a write being thrown away: nothing to report, but the session is no longer trusted.
        this.broken = true;
        return;
      }
      await this.rollbackQuietly();
      throw error;
    }
  }

  async ping(): Promise<void> {
    if (this.broken || this.closed)
      throw new DbqError('CONNECTION', `the session with ${this.where} is closed`);
    if (this.streaming()) throw new DbqError('INTERNAL', 'the session is streaming a result');
    // COM_RESET_CONNECTION (a round trip, so it also proves the session alive) drops what an earlier
    // statement left behind: user variables, prepared statements, temporary tables, GET_LOCK and table
    // locks, session settings. It keeps the current database, which USE may have changed.
    await new Promise<void>((resolve, reject) => {
      this.connection.reset((error) => (error ? reject(error) : resolve()));
    });
    await this.run(`SET SESSION time_zone = '+00:00', SESSION net_write_timeout = ${NET_WRITE_TIMEOUT_S}`);
    const database = this.connection.config.database;
    if (database !== undefined) await this.run(`USE \`${database.replace(/`/g, '``')}\``);
  }

  async cancel(): Promise<void> {
    this.broken = true;
    const threadId = this.connection.threadId;
    if (this.closed || typeof threadId !== 'number') return;
    await this.killQuery(threadId).catch(() => undefined);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.broken || this.streaming()) {
      destroyNow(this.connection);
      this.broken = true;
      return;
    }
    // COM_QUIT; the server rolls back whatever is still open.
    await new Promise<void>((resolve) => {
      try {
        this.connection.end(() => resolve());
      } catch {
        destroyNow(this.connection);
        resolve();
      }
    });
  }
}

/**
 * The MySQL/MariaDB engine (mysql2): one session per request, each role as its own database user,
 * statements bounded by the server's own statement timeout, rows streamed with backpressure.
 */
export function createMysqlEngine(target: TargetConfig): Engine {
  const port = target.port ?? DEFAULT_PORT;
  const where = `${target.host}:${port}`;
  const passwords = new Map<Role, PasswordSource>();

  /** Connection options for a new session of `role`; with `auth: iam` each call signs a new token. */
  const sessionOptions = async (role: Role, user: DbUser): Promise<ConnectionOptions> => {
    let password = passwords.get(role);
    if (password === undefined) {
      password = passwordSource(target, user, DEFAULT_PORT);
      passwords.set(role, password);
    }
    const secret = await password();
    const ssl = sslOptions(target);
    return {
      host: target.host,
      port,
      database: target.database,
      user: user.user,
      ...(secret === undefined ? {} : { password: secret }),
      ...(secret !== undefined && target.auth === 'iam' ? { authPlugins: mysqlIamAuthPlugins(secret) } : {}),
      ...(ssl === undefined ? {} : { ssl }),
      ...(ssl !== undefined && isIP(target.host) !== 0 ? { stream: addressSocket(target.host, port) } : {}),
      charset: 'utf8mb4',
      connectTimeout: CONNECT_TIMEOUT_MS,
      enableKeepAlive: true,
      multipleStatements: false,
      rowsAsArray: true,
      supportBigNumbers: true,
      bigNumberStrings: true,
      dateStrings: true,
      // No infileStreamFactory and no LOCAL_FILES capability: LOAD DATA LOCAL INFILE cannot read Lambda files.
      flags: ['-LOCAL_FILES'],
    };
  };

  return {
    name: 'mysql',
    maxConnections: MAX_CONNECTIONS,
    timeoutCoversPausedReads: true,

    async connect(role: Role): Promise<EngineConnection> {
      const user = target.users[role];
      if (user === undefined) {
        throw new DbqError(
          'DENIED',
          `no database user is configured for the ${role} role on ${target.database}`,
        );
      }
      const options = await sessionOptions(role, user);
      // The killer signs its own token: the session may be older than a token's 15 minutes.
      const session = new MysqlSession(createConnection(options), where, async (threadId) =>
        killQuery(await sessionOptions(role, user), threadId),
      );
      try {
        await session.open();
      } catch (error) {
        const explained = tlsFailure(error, target, where);
        if (explained) throw explained;
        const mapped = mysqlToDbqError(error, where);
        if (mapped.code === 'CONNECTION') throw mapped;
        throw new DbqError(
          'CONNECTION',
          `cannot connect to ${where} as ${user.user}: ${mapped.message}`,
          mapped.fields,
        );
      }
      return session;
    },

    toDbqError(error: unknown): DbqError {
      return mysqlToDbqError(error, where);
    },

    shutdown(): Promise<void> {
      return Promise.resolve();
    },
  };
}
