import { mkdir, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { resolve as resolvePath } from 'node:path';
import { DbqError } from '../../shared/protocol/errors.js';
import type { Cell, Column } from '../../shared/protocol/values.js';
import { splitStatements } from '../../shared/sql/split.js';
import { exportResult, exportRows, type ExportProgress, type ExportSummary } from '../export/exportResult.js';
import { defaultExportFileName, uniquePath } from '../export/exportPath.js';
import type { ExportFormat } from '../export/formats.js';
import type { QuerySession } from '../session/querySession.js';
import type { DevicePrompt } from '../sso/oidc.js';
import { catalogQueries, type CatalogCommand } from './catalogQueries.js';
import {
  cancelledError,
  toDbqError,
  unlessAborted,
  type ConnectionInfo,
  type ConnectionStatus,
  type ProfileDirectory,
  type ReplAuth,
  type ReplConnection,
} from './connection.js';
import { HISTORY_LIMIT, withEntry, type HistoryStore } from './history.js';
import type { MetaCommand } from './metaCommands.js';
import { DEFAULT_WINDOW, ResultWindow, type WindowOptions } from './resultWindow.js';

export interface ReplCoreOptions {
  /** The profile to open first. */
  profile: string;
  /** Opens a profile by name (`\c NAME`). */
  open: (profile: string) => Promise<ReplConnection>;
  profiles: ProfileDirectory;
  historyFor: (profile: string) => HistoryStore;
  readFile: (path: string) => Promise<string>;
  /** Where exports go when no path is given. */
  exportDir: string;
  /** Rows per page while browsing. */
  pageRows?: number;
  window?: Partial<Omit<WindowOptions, 'refetch'>>;
}

export interface ReplSettings {
  expanded: boolean;
  timing: boolean;
  exportFormat: ExportFormat;
}

export type StatementOutcome =
  | { kind: 'rows'; sql: string; window: ResultWindow; elapsedMs: number; notices: string[] }
  | {
      kind: 'done';
      sql: string;
      command: string | null;
      affectedRows: number | null;
      elapsedMs: number;
      notices: string[];
    };

export type MetaOutcome =
  | { kind: 'quit' }
  | { kind: 'help' }
  | { kind: 'message'; lines: string[]; tone: 'info' | 'error' }
  | { kind: 'results'; items: { title: string; outcome: StatementOutcome }[]; emptyMessage: string | null }
  | { kind: 'include'; statements: string[] }
  | { kind: 'export'; path: string | null }
  /** `\login`: the UI runs `signIn`, showing the URL and code as they arrive. */
  | { kind: 'signIn' };

/** The last statement that returned rows, for `\export` and `e`. */
export interface ExportableResult {
  sql: string;
  columns: Column[];
  /** Read-only statements are run again to export them whole. */
  readOnly: boolean;
  /** A write's rows, all of them (a write is never held open across requests). */
  rows: Cell[][] | null;
}

type Listener = (status: ConnectionStatus) => void;

/** Browsing pages are small so the first rows arrive quickly; later pages come as the user scrolls. */
export const BROWSE_PAGE_ROWS = 1000;

/**
 * The REPL without its UI: the connection (opened in the background, so the prompt is usable at once),
 * statements, meta-commands, history and exports. The Ink UI renders its state and calls its methods;
 * nothing here knows about the terminal.
 */
export class ReplCore {
  readonly settings: ReplSettings = { expanded: false, timing: false, exportFormat: 'csv' };
  private statusValue: ConnectionStatus;
  private connection: ReplConnection | null = null;
  private connecting: Promise<ReplConnection> | null = null;
  private readonly listeners = new Set<Listener>();
  private history: HistoryStore;
  private historyEntries: string[] = [];
  private historyWrites: Promise<void> = Promise.resolve();
  private lastResult: ExportableResult | null = null;
  /** The sign-in of the profile last opened, kept when its ping failed so `\login` can still sign in. */
  private auth: ReplAuth | null = null;
  private closed = false;

  constructor(private readonly options: ReplCoreOptions) {
    this.statusValue = { kind: 'connecting', profile: options.profile };
    this.history = options.historyFor(options.profile);
  }

  get status(): ConnectionStatus {
    return this.statusValue;
  }

  get profile(): string {
    return this.statusValue.kind === 'ready' ? this.statusValue.info.profile : this.statusValue.profile;
  }

  get lastExportable(): ExportableResult | null {
    return this.lastResult;
  }

  onStatus(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private setStatus(status: ConnectionStatus): void {
    this.statusValue = status;
    for (const listener of this.listeners) listener(status);
  }

  /** Starts connecting in the background. */
  start(): void {
    void this.connect(this.options.profile).catch(() => undefined);
  }

  private connect(profile: string): Promise<ReplConnection> {
    this.setStatus({ kind: 'connecting', profile });
    const attempt = this.openProfile(profile).then(
      ({ connection, info }) => {
        if (this.closed) {
          void connection.close();
          throw cancelledError('closed');
        }
        this.connection = connection;
        this.setStatus({ kind: 'ready', info });
        return connection;
      },
      (error: unknown) => {
        const failure = toDbqError(error);
        this.setStatus({ kind: 'failed', profile, error: failure });
        throw failure;
      },
    );
    this.connecting = attempt;
    void attempt
      .finally(() => {
        if (this.connecting === attempt) this.connecting = null;
      })
      .catch(() => undefined);
    return attempt;
  }

  private async openProfile(profile: string): Promise<{ connection: ReplConnection; info: ConnectionInfo }> {
    const connection = await this.options.open(profile);
    this.auth = connection.auth ?? null;
    try {
      const ping = await connection.session.ping();
      const identity = await identityLabel(connection.auth);
      return {
        connection,
        info: {
          profile,
          label: connection.label,
          engine: ping.engine,
          dialect: ping.engine === 'mysql' ? 'mysql' : 'postgres',
          serverVersion: ping.serverVersion,
          database: ping.database,
          principal: ping.principal,
          role: ping.role,
          target: ping.target,
          ...(identity === undefined ? {} : { identity }),
        },
      };
    } catch (error) {
      await connection.close().catch(() => undefined);
      throw error;
    }
  }

  /** The open session, waiting for the connection (and retrying a failed one). */
  async session(signal?: AbortSignal): Promise<QuerySession> {
    if (this.connection && this.statusValue.kind === 'ready') return this.connection.session;
    const pending = this.connecting ?? this.connect(this.profile);
    return (await unlessAborted(pending, signal)).session;
  }

  async loadHistory(): Promise<string[]> {
    let loaded: string[] = [];
    try {
      loaded = await this.history.load();
    } catch {
      // Unreadable history is no reason to stop: this session's entries still count.
    }
    // Statements run while the file was read come after it.
    this.historyEntries = [...loaded, ...this.historyEntries].slice(-HISTORY_LIMIT);
    return this.historyEntries;
  }

  /** Adds an entry to the profile's history; returns the entries (the file is written behind, in order). */
  remember(entry: string): string[] {
    const last = this.historyEntries[this.historyEntries.length - 1];
    if (entry.trim() === '' || last === entry) return this.historyEntries;
    this.historyEntries = withEntry(this.historyEntries, entry);
    const store = this.history;
    this.historyWrites = this.historyWrites.then(() => store.append(entry)).catch(() => undefined);
    return this.historyEntries;
  }

  /**
   * Runs one statement. Cancelling stops waiting at once; the statement itself finishes on the server and
   * its result, if it arrives, is closed unread.
   */
  async run(sql: string, signal?: AbortSignal): Promise<StatementOutcome> {
    const session = await this.session(signal);
    const started = performance.now();
    const timeoutSec = this.connection?.profile?.defaults?.timeoutSec;
    const stream = await unlessAborted(
      session.execute(sql, {
        pageRows: this.options.pageRows ?? BROWSE_PAGE_ROWS,
        ...(timeoutSec === undefined ? {} : { timeoutMs: Math.round(timeoutSec * 1000) }),
      }),
      signal,
      (late) => void late.close(),
    );
    const elapsedMs = performance.now() - started;
    const first = stream.lastPage;
    if (stream.columns.length === 0) {
      await stream.close();
      return {
        kind: 'done',
        sql,
        command: first.command,
        affectedRows: first.affectedRows,
        elapsedMs,
        notices: first.notices,
      };
    }
    const readOnly = first.readOnly;
    const window = new ResultWindow(stream, {
      ...DEFAULT_WINDOW,
      ...this.options.window,
      refetch: readOnly ? refetcher(session, sql, stream.columns.length) : null,
    });
    await window.open();
    this.lastResult = {
      sql,
      columns: stream.columns,
      readOnly,
      rows: readOnly ? null : window.heldRowsList(),
    };
    return { kind: 'rows', sql, window, elapsedMs, notices: first.notices };
  }

  /** Executes a backslash command; what to show is returned, never thrown. */
  async executeMeta(command: MetaCommand, signal?: AbortSignal): Promise<MetaOutcome> {
    switch (command.kind) {
      case 'quit':
        return { kind: 'quit' };
      case 'help':
        return { kind: 'help' };
      case 'invalid':
        return { kind: 'message', lines: [command.message], tone: 'error' };
      case 'expanded':
        this.settings.expanded = command.value ?? !this.settings.expanded;
        return info(`Expanded display is ${this.settings.expanded ? 'on' : 'off'}.`);
      case 'timing':
        this.settings.timing = command.value ?? !this.settings.timing;
        return info(`Timing is ${this.settings.timing ? 'on' : 'off'}.`);
      case 'format':
        if (command.format !== null) this.settings.exportFormat = command.format;
        return info(`Export format is ${this.settings.exportFormat}.`);
      case 'conninfo':
        return this.connInfo();
      case 'listProfiles': {
        const profiles = await this.options.profiles.list();
        const current = this.profile;
        return info(
          'Profiles:',
          ...profiles.map((p) => `${p.name === current ? '* ' : '  '}${p.name.padEnd(16)} ${p.description}`),
        );
      }
      case 'connect':
        return this.switchProfile(command.profile, signal);
      case 'listTables':
      case 'describe':
      case 'listSchemas':
        return this.catalog(command, signal);
      case 'include':
        return this.include(command.path, signal);
      case 'export':
        return { kind: 'export', path: command.path };
      case 'login':
        return { kind: 'signIn' };
      case 'logout':
        return this.logout(signal);
    }
  }

  /** True when the current profile signs in to AWS IAM Identity Center (`\login` applies). */
  get canSignIn(): boolean {
    return this.auth?.canSignIn === true;
  }

  /** The sign-in of the current profile, waiting for a connection being opened (which sets it). */
  private async currentAuth(signal?: AbortSignal): Promise<ReplAuth | null> {
    const pending = this.connecting;
    if (pending) {
      try {
        await unlessAborted(pending, signal);
      } catch (error) {
        // A failed connection still leaves its sign-in: a profile that needs one fails its ping.
        if (signal?.aborted) throw error;
      }
    }
    return this.auth;
  }

  private doesNotSignIn(): MetaOutcome {
    return info(
      `Profile "${this.profile}" does not sign in: it uses no AWS IAM Identity Center (SSO) session.`,
    );
  }

  /**
   * Device-authorization sign-in for the current profile (`\login`, or a statement that needs a new sign-in):
   * `onPrompt` gets the verification URL and code to show. Rejects with CANCELLED when `signal` aborts.
   */
  async signIn(
    onPrompt: (prompt: DevicePrompt, startUrl: string) => void,
    signal?: AbortSignal,
  ): Promise<MetaOutcome> {
    const auth = await this.currentAuth(signal);
    if (!auth?.canSignIn) return this.doesNotSignIn();
    const identity = await auth.loginInteractive(
      (prompt) => onPrompt(prompt, auth.startUrl ?? 'AWS IAM Identity Center'),
      signal,
    );
    this.showIdentity(auth, identity.label);
    // A connection that failed for want of a sign-in is opened again now, not at the next statement.
    if (this.statusValue.kind === 'failed' && !this.connecting && !this.closed) {
      void this.connect(this.profile).catch(() => undefined);
    }
    return info(`Signed in as ${identity.label}.`);
  }

  private async logout(signal?: AbortSignal): Promise<MetaOutcome> {
    const auth = await this.currentAuth(signal);
    if (!auth?.canSignIn) return this.doesNotSignIn();
    const signedOut = await auth.logout();
    this.showIdentity(auth, undefined);
    return info(signedOut ? `Signed out of ${auth.startUrl ?? 'the SSO session'}.` : 'Not signed in.');
  }

  /** Puts the (new or removed) identity in the status line when it belongs to the open connection. */
  private showIdentity(auth: ReplAuth, identity: string | undefined): void {
    const status = this.statusValue;
    if (status.kind !== 'ready' || this.connection?.auth !== auth) return;
    const { identity: _previous, ...rest } = status.info;
    this.setStatus({ kind: 'ready', info: identity === undefined ? rest : { ...rest, identity } });
  }

  private connInfo(): MetaOutcome {
    const status = this.statusValue;
    if (status.kind === 'connecting') return info(`Connecting to profile "${status.profile}"…`);
    if (status.kind === 'failed') {
      return { kind: 'message', tone: 'error', lines: [`Not connected: ${status.error.message}`] };
    }
    const i = status.info;
    return info(
      `Profile "${i.profile}" via ${i.label}`,
      `${i.engine} ${i.serverVersion}, database "${i.database}", target "${i.target}"`,
      `as ${i.principal} with role ${i.role}`,
    );
  }

  private async switchProfile(profile: string, signal?: AbortSignal): Promise<MetaOutcome> {
    const previous = this.connection;
    const previousStatus = this.statusValue;
    const previousAuth = this.auth;
    try {
      await unlessAborted(this.connect(profile), signal);
    } catch (error) {
      // psql keeps the old connection when \c fails.
      if (previous && previousStatus.kind === 'ready') {
        this.connection = previous;
        this.auth = previousAuth;
        this.setStatus(previousStatus);
      }
      return { kind: 'message', tone: 'error', lines: [`\\c ${profile}: ${toDbqError(error).message}`] };
    }
    if (previous && previous !== this.connection) await previous.close().catch(() => undefined);
    this.history = this.options.historyFor(profile);
    this.historyEntries = [];
    await this.loadHistory();
    this.lastResult = null;
    const status = this.statusValue;
    return status.kind === 'ready'
      ? info(
          `Connected to "${profile}": ${status.info.engine} ${status.info.serverVersion}, role ${status.info.role}.`,
        )
      : info(`Connected to "${profile}".`);
  }

  private async catalog(command: CatalogCommand, signal?: AbortSignal): Promise<MetaOutcome> {
    await this.session(signal);
    const status = this.statusValue;
    if (status.kind !== 'ready') throw new DbqError('CONNECTION', 'not connected');
    const items: { title: string; outcome: StatementOutcome }[] = [];
    for (const query of catalogQueries(status.info.engine, command)) {
      items.push({ title: query.title, outcome: await this.run(query.sql, signal) });
    }
    const first = items[0]?.outcome;
    let emptyMessage: string | null = null;
    if (first?.kind === 'rows' && first.window.total === 0) {
      emptyMessage =
        command.kind === 'describe' && command.name !== null
          ? `Did not find any relation named "${command.name}".`
          : 'Did not find any relations.';
    }
    return { kind: 'results', items, emptyMessage };
  }

  private async include(path: string, signal?: AbortSignal): Promise<MetaOutcome> {
    let text: string;
    try {
      text = await this.options.readFile(path);
    } catch (error) {
      return { kind: 'message', tone: 'error', lines: [`\\i ${path}: ${(error as Error).message}`] };
    }
    await this.session(signal);
    const status = this.statusValue;
    const dialect = status.kind === 'ready' ? status.info.dialect : 'postgres';
    return { kind: 'include', statements: splitStatements(text, dialect).map((s) => s.text) };
  }

  /**
   * Exports a result in full: read-only statements are run again and streamed to the file; a write's
   * rows (all in hand) are written as they are. With no path, a new file in the export directory is named
   * after the profile, the time and the first table.
   */
  async exportResult(request: {
    result: ExportableResult;
    path: string | null;
    signal?: AbortSignal;
    onProgress?: (progress: ExportProgress) => void;
  }): Promise<ExportSummary> {
    const { result } = request;
    const format = this.settings.exportFormat;
    const path = await this.exportPath(request.path, result.sql, format);
    if (!result.readOnly) {
      return exportRows({ columns: result.columns, rows: result.rows ?? [], path, format });
    }
    const session = await this.session(request.signal);
    return exportResult({
      session,
      sql: result.sql,
      path,
      format,
      ...(request.signal ? { signal: request.signal } : {}),
      ...(request.onProgress ? { onProgress: request.onProgress } : {}),
    });
  }

  private async exportPath(path: string | null, sql: string, format: ExportFormat): Promise<string> {
    const name = defaultExportFileName({ profile: this.profile, sql, format });
    // A saved profile's export directory wins over the global one (DBQ_EXPORT_DIR or the current directory).
    const profileDir = this.connection?.profile?.defaults?.exportDir?.replace(/^~(?=$|\/)/, homedir());
    const resolved = resolvePath(path ?? profileDir ?? this.options.exportDir);
    const isDirectory =
      path === null || path.endsWith('/') || (await stat(resolved).catch(() => null))?.isDirectory() === true;
    if (!isDirectory) return resolved;
    await mkdir(resolved, { recursive: true });
    return uniquePath(resolved, name);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.historyWrites;
    const connection = this.connection;
    this.connection = null;
    if (connection) await connection.close().catch(() => undefined);
    const pending = this.connecting;
    if (pending) await pending.then((late) => late.close()).catch(() => undefined);
  }
}

/** The status line's identity: SSO and AWS-profile sign-ins, not local endpoints (nothing to sign in to). */
async function identityLabel(auth: ReplAuth | undefined): Promise<string | undefined> {
  if (!auth || auth.method === 'local') return undefined;
  const identity = await auth.signedInIdentity().catch(() => null);
  return identity?.label;
}

function info(...lines: string[]): MetaOutcome {
  return { kind: 'message', lines, tone: 'info' };
}

/** Re-reads rows of a read-only statement by running it again READ ONLY and skipping to them. */
function refetcher(session: QuerySession, sql: string, width: number) {
  return async (skipRows: number, rowCount: number): Promise<Cell[][]> => {
    const page = await session.executePage(sql, { skipRows, pageRows: rowCount });
    if (page.cursor !== null) await session.closeCursor(page.cursor).catch(() => undefined);
    if (page.columns.length !== width) {
      throw new DbqError('CURSOR_EXPIRED', 'the result changed shape when it was read again; run it again');
    }
    return page.rows;
  };
}
