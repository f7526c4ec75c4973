import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Signer } from '@aws-sdk/rds-signer';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { TargetConfig } from '../../../lambda/config.js';
import { createMysqlEngine } from '../../../lambda/engines/mysql.js';
import { DbqError } from '../../../shared/protocol/index.js';
import { createTestCertificates, type TestCertificates } from './fixtures/certificates.js';
import { startClearPasswordServer, type ClearPasswordServer } from './fixtures/clearPasswordServer.js';

const CREDENTIALS = {
  accessKeyId: 'AKIDDBQTEST0000000004',
  secretAccessKey: 'dbq/clear/test/secret/not/real/000',
};
const REGION = 'us-west-2';

describe("MySQL IAM login through RDS's mysql_clear_password switch", () => {
  let dir: string;
  let certificates: TestCertificates;
  let standIn: ClearPasswordServer;

  const target = (): TargetConfig => ({
    engine: 'mysql',
    host: '127.0.0.1',
    port: standIn.port,
    database: 'app',
    users: { read: { user: 'dbq_read' } },
    auth: 'iam',
    region: REGION,
    tls: { mode: 'verify-full', caFile: certificates.caFile },
  });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dbq-clear-'));
    certificates = createTestCertificates(dir);
    standIn = await startClearPasswordServer(certificates);
    vi.stubEnv('AWS_ACCESS_KEY_ID', CREDENTIALS.accessKeyId);
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', CREDENTIALS.secretAccessKey);
    vi.stubEnv('AWS_SESSION_TOKEN', '');
    vi.stubEnv('AWS_PROFILE', '');
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  afterAll(async () => {
    vi.unstubAllEnvs();
    await standIn?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function expectedToken(): Promise<string> {
    return new Signer({
      hostname: '127.0.0.1',
      port: standIn.port,
      username: 'dbq_read',
      region: REGION,
      credentials: CREDENTIALS,
    }).getAuthToken();
  }

  it('answers the cleartext switch with the IAM token, inside verified TLS', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: new Date('2024-05-01T12:00:00Z') });
    const token = await expectedToken();
    standIn.expect(token);
    const connection = await createMysqlEngine(target()).connect('read');
    await connection.close();
    expect(standIn.logins.at(-1)).toEqual({ user: 'dbq_read', password: token, tls: true });
  });

  it('fails the login, without echoing the token, when the server does not accept it', async () => {
    standIn.expect('a-token-the-function-cannot-make');
    const error = await createMysqlEngine(target())
      .connect('read')
      .catch((failure: unknown) => failure);
    expect(error).toBeInstanceOf(DbqError);
    expect((error as DbqError).code).toBe('CONNECTION');
    expect((error as DbqError).message).toMatch(/Access denied for user 'dbq_read'/);
    expect((error as DbqError).message).not.toContain('X-Amz-Signature');
    expect(standIn.logins.at(-1)?.password).toMatch(/^127\.0\.0\.1:\d+\/\?Action=connect&DBUser=dbq_read&/);
  });
});
