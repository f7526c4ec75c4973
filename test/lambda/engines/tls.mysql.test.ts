import { Signer } from '@aws-sdk/rds-signer';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { TargetConfig } from '../../../lambda/config.js';
import { createMysqlEngine } from '../../../lambda/engines/mysql.js';
import type { EngineConnection } from '../../../lambda/engines/types.js';
import { DbqError, type Cell } from '../../../shared/protocol/index.js';
import { MARIADB_HOST, MARIADB_PORT } from '../../helpers/mariadb.js';
import { startTlsMariaDb, type TlsMariaDb } from './fixtures/tlsMariaDb.js';

const PASSWORD = 'tls-user-password';
const CREDENTIALS = {
  accessKeyId: 'AKIDDBQTEST0000000003',
  secretAccessKey: 'dbq/mysql/test/secret/not/a/real/0',
};
const REGION = 'eu-west-1';

let server: TlsMariaDb;

beforeAll(async () => {
  server = await startTlsMariaDb();
  await server.root.query('CREATE DATABASE dbq_tls');
  await server.root.query(`CREATE USER tls_user@'%' IDENTIFIED BY '${PASSWORD}' REQUIRE SSL`);
  await server.root.query("CREATE USER iam_user@'%' IDENTIFIED BY 'not-yet-a-token' REQUIRE SSL");
  await server.root.query("GRANT SELECT ON dbq_tls.* TO tls_user@'%', iam_user@'%'");
});

afterAll(async () => {
  await server?.stop();
});

function target(overrides: Partial<TargetConfig> = {}): TargetConfig {
  return {
    engine: 'mysql',
    host: '127.0.0.1',
    port: server.port,
    database: 'dbq_tls',
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
  const engine = createMysqlEngine(config);
  const connection = await engine.connect('read');
  try {
    return await use(connection);
  } finally {
    await connection.close();
  }
}

async function connectFailure(config: TargetConfig): Promise<DbqError> {
  try {
    const connection = await createMysqlEngine(config).connect('read');
    await connection.close();
  } catch (error) {
    if (error instanceof DbqError) return error;
    throw error;
  }
  throw new Error('expected the connection to be refused');
}

describe('MariaDB over TLS that verifies the server certificate', () => {
  it('connects with verify-full when the target names the CA bundle that signed the certificate', async () => {
    const rows = await withConnection(target(), (connection) =>
      query(
        connection,
        "SELECT CURRENT_USER(), VARIABLE_VALUE FROM information_schema.SESSION_STATUS WHERE VARIABLE_NAME = 'SSL_VERSION'",
      ),
    );
    expect(rows).toEqual([['tls_user@%', expect.stringMatching(/^TLSv1\.[23]$/)]]);
  });

  it('takes the CA bundle from NODE_EXTRA_CA_CERTS when the target names none', async () => {
    vi.stubEnv('NODE_EXTRA_CA_CERTS', server.certificates.caFile);
    try {
      const rows = await withConnection(target({ tls: { mode: 'verify-full' } }), (connection) =>
        query(connection, 'SELECT CURRENT_USER()'),
      );
      expect(rows).toEqual([['tls_user@%']]);
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

  it('refuses a certificate that does not name the host connected to', async () => {
    const error = await connectFailure(target({ host: '127.0.0.2' }));
    expect(error.code).toBe('CONNECTION');
    expect(error.message).toContain('the server certificate does not name 127.0.0.2');
  });

  it('refuses a server without TLS when the target requires it', async () => {
    // The shared test MariaDB runs with have_ssl = DISABLED.
    const error = await connectFailure(
      target({
        host: MARIADB_HOST,
        port: MARIADB_PORT,
        database: 'mysql',
        users: { read: { user: 'root', password: '' } },
      }),
    );
    expect(error.code).toBe('CONNECTION');
    expect(error.message).toContain('the server does not offer TLS');
  });

  it('is refused by a REQUIRE SSL user when the target does not use TLS', async () => {
    const error = await connectFailure(target({ tls: { mode: 'disable' } }));
    expect(error.code).toBe('CONNECTION');
    expect(error.message).toMatch(/Access denied for user 'tls_user'/);
  });
});

describe('MariaDB with IAM authentication tokens', () => {
  const iamTarget = (): TargetConfig =>
    target({ auth: 'iam', region: REGION, users: { read: { user: 'iam_user' } } });

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

  /** MariaDB cannot check IAM tokens, so the token the engine must send becomes the user's password. */
  async function acceptOnly(token: string): Promise<void> {
    await server.root.query("ALTER USER iam_user@'%' IDENTIFIED BY ? REQUIRE SSL", [token]);
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

  it('sends a fresh token as the password of each new connection, over verified TLS', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: new Date('2024-05-01T12:00:00Z') });
    const engine = createMysqlEngine(iamTarget());
    const sessions: EngineConnection[] = [];
    try {
      await acceptOnly(await expectedToken());
      sessions.push(await engine.connect('read'));
      vi.setSystemTime(new Date('2024-05-01T12:16:00Z'));
      await acceptOnly(await expectedToken());
      sessions.push(await engine.connect('read'));
      for (const session of sessions)
        expect(await query(session, 'SELECT CURRENT_USER()')).toEqual([['iam_user@%']]);
    } finally {
      for (const session of sessions) await session.close();
    }
  });

  it('is refused by the server when the token is not the one it expects', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: new Date('2024-05-01T12:00:00Z') });
    await acceptOnly(await expectedToken());
    vi.setSystemTime(new Date('2024-05-01T12:00:01Z'));
    const error = await connectFailure(iamTarget());
    expect(error.code).toBe('CONNECTION');
    expect(error.message).toMatch(/Access denied for user 'iam_user'/);
    expect(error.message).not.toContain('X-Amz-Signature');
  });

  it('cancels a running statement with KILL QUERY from a second session that signs its own token', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: new Date('2024-05-01T13:00:00Z') });
    await acceptOnly(await expectedToken());
    const engine = createMysqlEngine(iamTarget());
    const connection = await engine.connect('read');
    try {
      const running = connection.execute('SELECT SLEEP(30)', { readOnly: true, timeoutMs: 60_000 });
      await waitForSleeping(server);
      await connection.cancel();
      const outcome = await running
        .then(async (statement) => {
          try {
            return await statement.readRows(10);
          } finally {
            await statement.close('rollback').catch(() => undefined);
          }
        })
        .catch((failure: unknown) => engine.toDbqError(failure));
      expect(outcome).toBeInstanceOf(DbqError);
      expect((outcome as DbqError).fields.errno).toBe(1317);
      expect(connection.broken).toBe(true);
    } finally {
      await connection.close();
    }
  });
});

/** Waits (with a deadline) until iam_user's SLEEP shows up in the process list. */
async function waitForSleeping(owned: TlsMariaDb): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const [rows] = (await owned.root.query(
      "SELECT ID FROM information_schema.PROCESSLIST WHERE USER = 'iam_user' AND INFO LIKE 'SELECT SLEEP%'",
    )) as unknown as [unknown[]];
    if (rows.length > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('the statement never started');
}
