import { Signer } from '@aws-sdk/rds-signer';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { TargetConfig } from '../../../lambda/config.js';
import { createPostgresEngine } from '../../../lambda/engines/postgresServer.js';
import type { Engine, EngineConnection } from '../../../lambda/engines/types.js';
import { DbqError, type Cell } from '../../../shared/protocol/index.js';
import { startTlsPostgres, type TlsPostgres } from './fixtures/tlsPostgres.js';

const PASSWORD = 'tls-user-password';
const CREDENTIALS = {
  accessKeyId: 'AKIDDBQTEST0000000001',
  secretAccessKey: 'dbq/test/secret/key/not/a/real/one/00',
};
const REGION = 'eu-west-1';

let server: TlsPostgres;

beforeAll(async () => {
  server = await startTlsPostgres();
  await server.query(`CREATE ROLE tls_user LOGIN PASSWORD '${PASSWORD}'`);
  await server.query('CREATE ROLE iam_user LOGIN');
});

afterAll(async () => {
  await server?.stop();
});

function target(overrides: Partial<TargetConfig> = {}): TargetConfig {
  return {
    engine: 'postgres',
    host: '127.0.0.1',
    port: server.port,
    database: 'postgres',
    users: { read: { user: 'tls_user', password: PASSWORD } },
    auth: 'password',
    tls: { mode: 'verify-full', caFile: server.certificates.caFile },
    ...overrides,
  };
}

async function query(connection: EngineConnection, sql: string): Promise<Cell[][]> {
  const statement = await connection.execute(sql, { readOnly: true, timeoutMs: 10_000 });
  const rows = await statement.readRows(100);
  await statement.close('rollback');
  return rows;
}

async function withConnection<T>(
  config: TargetConfig,
  use: (connection: EngineConnection) => Promise<T>,
): Promise<T> {
  const engine = createPostgresEngine(config);
  const connection = await engine.connect('read');
  try {
    return await use(connection);
  } finally {
    await connection.close();
    await engine.shutdown();
  }
}

async function connectFailure(config: TargetConfig): Promise<DbqError> {
  const engine = createPostgresEngine(config);
  try {
    const connection = await engine.connect('read');
    await connection.close();
  } catch (error) {
    if (error instanceof DbqError) return error;
    throw error;
  }
  throw new Error('expected the connection to be refused');
}

describe('PostgreSQL over TLS that verifies the server certificate', () => {
  it('connects with verify-full when the target names the CA bundle that signed the certificate', async () => {
    const rows = await withConnection(target(), (connection) =>
      query(connection, 'SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()'),
    );
    expect(rows).toEqual([[true, expect.stringMatching(/^TLSv1\.[23]$/)]]);
  });

  it('takes the CA bundle from NODE_EXTRA_CA_CERTS when the target names none', async () => {
    vi.stubEnv('NODE_EXTRA_CA_CERTS', server.certificates.caFile);
    try {
      const rows = await withConnection(target({ tls: { mode: 'verify-full' } }), (connection) =>
        query(connection, 'SELECT current_user'),
      );
      expect(rows).toEqual([['tls_user']]);
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('refuses a server certificate signed by another CA, naming the bundle', async () => {
    const error = await connectFailure(
      target({ tls: { mode: 'verify-full', caFile: server.certificates.otherCaFile } }),
    );
    expect(error.code).toBe('CONNECTION');
    expect(error.message).toContain(
      `the server certificate is not signed by a CA in the CA bundle ${server.certificates.otherCaFile}`,
    );
  });

  it("refuses a self-signed server CA that is not in Node's default store", async () => {
    vi.stubEnv('NODE_EXTRA_CA_CERTS', '');
    try {
      const error = await connectFailure(target({ tls: { mode: 'verify-full' } }));
      expect(error.code).toBe('CONNECTION');
      expect(error.message).toContain("not signed by a CA in Node's default CA store");
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('refuses a certificate that does not name the host connected to', async () => {
    // The server listens on 127.0.0.2 too; its certificate names localhost and 127.0.0.1 only.
    const error = await connectFailure(target({ host: '127.0.0.2' }));
    expect(error.code).toBe('CONNECTION');
    expect(error.message).toContain('the server certificate does not name 127.0.0.2');
  });

  it('refuses a CA bundle that cannot be read', async () => {
    const error = await connectFailure(
      target({ tls: { mode: 'verify-full', caFile: '/nonexistent/ca.pem' } }),
    );
    expect(error.code).toBe('CONNECTION');
    expect(error.message).toMatch(/^cannot read the CA bundle \/nonexistent\/ca\.pem/);
  });

  it('refuses a server without TLS when the target requires it', async () => {
    // The shared test server runs without TLS.
    const error = await connectFailure(
      target({ port: 5432, database: 'test', users: { read: { user: 'postgres' } } }),
    );
    expect(error.code).toBe('CONNECTION');
    expect(error.message).toContain('the server does not offer TLS');
  });

  it('cancels a running statement with a cancel request sent over TLS', async () => {
    const engine: Engine = createPostgresEngine(target());
    const connection = await engine.connect('read');
    try {
      const running = connection.execute('SELECT pg_sleep(30)', { readOnly: true, timeoutMs: 60_000 });
      const [pid] = (await waitForActiveStatement(server)) ?? [];
      expect(pid).toBeDefined();
      await connection.cancel();
      const error = await running.then(
        () => null,
        (failure: unknown) => engine.toDbqError(failure),
      );
      expect(error?.fields.sqlstate).toBe('57014');
      expect(error?.message).toMatch(/canceling statement due to user request/);
      expect(connection.broken).toBe(true);
    } finally {
      await connection.close();
      await engine.shutdown();
    }
  });
});

/** Waits (with a deadline) until tls_user's pg_sleep shows up as active; returns its backend pid. */
async function waitForActiveStatement(owned: TlsPostgres): Promise<number[] | undefined> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const active = await owned.query<{ pid: number }>(
      "SELECT pid FROM pg_stat_activity WHERE usename = 'tls_user' AND state = 'active' AND query LIKE '%pg_sleep%'",
    );
    if (active.rows.length > 0) return active.rows.map((row) => row.pid);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return undefined;
}

describe('PostgreSQL with IAM authentication tokens', () => {
  const iamTarget = (): TargetConfig =>
    target({ auth: 'iam', region: REGION, users: { read: { user: 'iam_user' } } });

  /** The token the engine must send at the (faked) current time, made by an independent Signer. */
  async function expectedToken(): Promise<string> {
    const signer = new Signer({
      hostname: '127.0.0.1',
      port: server.port,
      username: 'iam_user',
      region: REGION,
      credentials: CREDENTIALS,
    });
    return signer.getAuthToken();
  }

  /** Local PostgreSQL cannot check IAM tokens, so the token the engine must send becomes the password. */
  async function acceptOnly(token: string): Promise<void> {
    await server.query(`ALTER ROLE iam_user PASSWORD '${token.replace(/'/g, "''")}'`);
  }

  beforeAll(() => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', CREDENTIALS.accessKeyId);
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', CREDENTIALS.secretAccessKey);
    vi.stubEnv('AWS_SESSION_TOKEN', '');
    vi.stubEnv('AWS_PROFILE', '');
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  afterAll(() => {
    vi.unstubAllEnvs();
  });

  it('sends a token signed with the function credentials as the password, over verified TLS', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: new Date('2024-05-01T12:00:00Z') });
    const token = await expectedToken();
    expect(token).toMatch(
      /^127\.0\.0\.1:\d+\/\?Action=connect&DBUser=iam_user&X-Amz-Algorithm=AWS4-HMAC-SHA256&/,
    );
    await acceptOnly(token);
    const rows = await withConnection(iamTarget(), (connection) =>
      query(connection, 'SELECT current_user, ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()'),
    );
    expect(rows).toEqual([['iam_user', true]]);
  });

  it('signs a new token for every new connection, never reusing one past its lifetime', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: new Date('2024-05-01T12:00:00Z') });
    const engine = createPostgresEngine(iamTarget());
    const sessions: EngineConnection[] = [];
    try {
      await acceptOnly(await expectedToken());
      sessions.push(await engine.connect('read'));
      // 16 minutes on: the first token has expired; only a token signed now is accepted.
      vi.setSystemTime(new Date('2024-05-01T12:16:00Z'));
      await acceptOnly(await expectedToken());
      sessions.push(await engine.connect('read'));
      vi.setSystemTime(new Date('2024-05-01T12:16:01Z'));
      await acceptOnly(await expectedToken());
      sessions.push(await engine.connect('read'));
      for (const session of sessions)
        expect(await query(session, 'SELECT current_user')).toEqual([['iam_user']]);
    } finally {
      for (const session of sessions) await session.close();
      await engine.shutdown();
    }
  });

  it('is refused by the database when the token is not the one it expects', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: new Date('2024-05-01T12:00:00Z') });
    await acceptOnly(await expectedToken());
    vi.setSystemTime(new Date('2024-05-01T12:00:01Z'));
    const error = await connectFailure(iamTarget());
    expect(error.code).toBe('CONNECTION');
    expect(error.message).toMatch(/password authentication failed for user "iam_user"/);
    expect(error.message).not.toContain('X-Amz-Signature');
  });
});
