import pg from 'pg';
import { DbqError, type Role } from '../../shared/protocol/index.js';
import type { TargetConfig } from '../config.js';
import type { Engine } from './types.js';
import { passwordSource, type PasswordSource } from './iamAuth.js';
import { sendPgCancelRequest } from './pgCancel.js';
import { pgToDbqError } from './pgErrors.js';
import { BASELINE_STARTUP_OPTIONS, createPgEngine } from './postgres.js';
import { tlsFailure, tlsOptions } from './tls.js';

const DEFAULT_PORT = 5432;

/** The backend key node-postgres keeps from the server's BackendKeyData message (untyped in @types/pg). */
interface BackendKey {
  processID: number | null;
  secretKey: number | null;
}

/**
 * A PostgreSQL server (RDS, Aurora or any other) reached over TCP. Each role connects as its own database
 * user; with `auth: iam` each new connection signs a fresh IAM token as its password, over TLS that
 * verifies the server certificate.
 */
export function createPostgresEngine(target: TargetConfig): Engine {
  const port = target.port ?? DEFAULT_PORT;
  const where = `${target.host}:${port}/${target.database}`;
  const passwords = new Map<Role, PasswordSource>();

  const connect = async (role: Role): Promise<pg.Client> => {
    const user = target.users[role];
    if (!user) throw new DbqError('DENIED', `the target has no database user for the ${role} role`);
    let password = passwords.get(role);
    if (password === undefined) {
      password = passwordSource(target, user, DEFAULT_PORT);
      passwords.set(role, password);
    }
    const ssl = tlsOptions(target);
    const secret = await password();
    const client = new pg.Client({
      host: target.host,
      port,
      database: target.database,
      user: user.user,
      ...(secret === undefined ? {} : { password: secret }),
      ...(ssl === undefined ? {} : { ssl }),
      application_name: 'dbq',
      options: BASELINE_STARTUP_OPTIONS,
      connectionTimeoutMillis: 10_000,
      types: { getTypeParser: () => (value: string) => value },
    });
    client.on('error', () => undefined);
    try {
      await client.connect();
    } catch (error) {
      // node-postgres has already dropped the socket of a connection that failed to open.
      const explained = tlsFailure(error, target, where);
      if (explained) throw explained;
      const mapped = pgToDbqError(error, where);
      throw new DbqError(
        'CONNECTION',
        `cannot connect to ${where} as ${user.user}: ${mapped.message}`,
        mapped.fields,
      );
    }
    return client;
  };

  return createPgEngine({
    name: 'postgres',
    maxConnections: 10,
    where,
    baselineInStartup: true,
    connect,
    cancel: async (client) => {
      const { processID, secretKey } = client as unknown as BackendKey;
      if (processID === null || secretKey === null) return;
      await sendPgCancelRequest({
        host: target.host,
        port,
        processId: processID,
        secretKey,
        tls: tlsOptions(target),
      });
    },
  });
}
