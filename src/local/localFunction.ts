import { userInfo } from 'node:os';
import { DbqError, type Role } from '../../shared/protocol/index.js';
import { parseFunctionConfig, type TargetConfig } from '../../lambda/config.js';
import { fileAuditSink, stdoutAuditSink, teeAuditSink, type AuditSink } from '../../lambda/audit.js';
import { createHandler, type QueryHandler } from '../../lambda/createHandler.js';
import { createDeployedEngine } from '../../lambda/engines/deployed.js';
import { createPgliteEngine } from '../../lambda/engines/pglite.js';
import { identityVerifierFor } from '../../lambda/identity/create.js';
import { Runtime } from '../../lambda/runtime.js';
import { createStreamHandler, type StreamingHandler } from '../../lambda/stream/streamHandler.js';
import { localAuditFile, localDataDir } from '../config/paths.js';
import { captureLogLine } from './logCapture.js';

export type LocalEngine = 'pglite' | 'postgres' | 'mysql';

export interface LocalFunctionOptions {
  engine: LocalEngine;
  /** `postgres://…` or `mysql://…`; required for postgres and mysql. */
  dbUrl?: string;
  role?: Role;
  /** PGlite data directory (default: under DBQ_CONFIG_DIR). */
  dataDir?: string;
  auditFile?: string;
  /** Also print audit events on stdout, as the deployed function does (for `dbq local`). */
  auditToStdout?: boolean;
  maxTimeoutMs?: number;
}

export interface LocalFunction {
  handler: QueryHandler;
  /** The response-streaming entry point (`export`), sharing the handler's runtime. */
  streamHandler: StreamingHandler;
  role: Role;
  principal: string;
  auditFile: string;
  shutdown(): Promise<void>;
}

/** Builds a target from a database URL; every role connects as the URL's user. */
export function targetFromUrl(engine: 'postgres' | 'mysql', dbUrl: string): TargetConfig {
  let url: URL;
  try {
    url = new URL(dbUrl);
  } catch {
    throw new DbqError('BAD_REQUEST', `--db-url is not a URL: ${dbUrl}`);
  }
  const schemes = engine === 'postgres' ? ['postgres:', 'postgresql:'] : ['mysql:', 'mariadb:'];
  if (!schemes.includes(url.protocol)) {
    throw new DbqError('BAD_REQUEST', `--db-url for --engine ${engine} must start with ${schemes[0]}//`);
  }
  const user = { user: decodeURIComponent(url.username) || (engine === 'postgres' ? 'postgres' : 'root') };
  const password = url.password ? { password: decodeURIComponent(url.password) } : {};
  const sslmode = url.searchParams.get('sslmode') ?? url.searchParams.get('ssl-mode');
  const verify = sslmode === 'verify-full' || sslmode === 'VERIFY_IDENTITY';
  const caFile = url.searchParams.get('sslrootcert') ?? url.searchParams.get('ssl-ca');
  const dbUser = { ...user, ...password };
  return {
    engine,
    host: url.hostname || '127.0.0.1',
    ...(url.port ? { port: Number(url.port) } : {}),
    database:
      decodeURIComponent(url.pathname.replace(/^\//, '')) || (engine === 'postgres' ? 'postgres' : 'mysql'),
    users: { read: dbUser, write: dbUser, admin: dbUser },
    auth: 'password',
    tls: verify ? { mode: 'verify-full', ...(caFile ? { caFile } : {}) } : { mode: 'disable' },
  };
}

/**
 * The real query handler wired for local use: local identity (the OS user, with the given role), the
 * chosen engine, and audit events in a JSON-lines file.
 */
export function createLocalFunction(options: LocalFunctionOptions): LocalFunction {
  const role: Role = options.role ?? (options.engine === 'pglite' ? 'admin' : 'read');
  let target: TargetConfig;
  if (options.engine === 'pglite') {
    target = {
      engine: 'pglite',
      host: 'embedded',
      database: 'demo',
      users: {},
      auth: 'password',
      tls: { mode: 'disable' },
      dataDir: options.dataDir ?? localDataDir(),
    };
  } else {
    if (!options.dbUrl) throw new DbqError('BAD_REQUEST', `--engine ${options.engine} needs --db-url`);
    target = targetFromUrl(options.engine, options.dbUrl);
  }
  const principal = `local:user/${userInfo().username}`;
  const config = parseFunctionConfig({
    targets: { local: target },
    defaultTarget: 'local',
    identity: { mode: 'local', principal, role },
    limits: {
      defaultTimeoutMs: 30_000,
      maxTimeoutMs: options.maxTimeoutMs ?? 900_000,
      cursorIdleMs: 300_000,
      maxCursors: 8,
    },
  });
  const auditFile = options.auditFile ?? localAuditFile();
  const capture: AuditSink = { write: (event) => captureLogLine(JSON.stringify(event)) };
  const sinks = [fileAuditSink(auditFile), capture];
  if (options.auditToStdout) sinks.push(stdoutAuditSink);
  const runtime = new Runtime(config, identityVerifierFor(config.identity), teeAuditSink(...sinks), (t) =>
    t.engine === 'pglite' ? createPgliteEngine(t) : createDeployedEngine(t),
  );
  const handler = createHandler(runtime);
  return {
    handler,
    streamHandler: createStreamHandler(runtime, handler),
    role,
    principal,
    auditFile,
    shutdown: () => runtime.shutdown(),
  };
}
