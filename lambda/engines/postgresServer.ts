import pg from 'pg';
import { DbqError, type Role } from '../../shared/protocol/index.js';
import type { TargetConfig } from '../config.js';
import type { Engine } from './types.js';
import { BASELINE_STARTUP_OPTIONS, createPgEngine } from './postgres.js';
import { tlsOptions } from './tls.js';

/** A PostgreSQL server (RDS, Aurora or any other) reached over TCP. */
export function createPostgresEngine(target: TargetConfig): Engine {
  const port = target.port ?? 5432;
  const where = `${target.host}:${port}/${target.database}`;
  return createPgEngine({
    name: 'postgres',
    maxConnections: 10,
    where,
    baselineInStartup: true,
    connect: async (role: Role) => {
      const user = target.users[role];
      if (!user) throw new DbqError('DENIED', `the target has no database user for the ${role} role`);
      const ssl = tlsOptions(target);
      const client = new pg.Client({
        host: target.host,
        port,
        database: target.database,
        user: user.user,
        ...(user.password === undefined ? {} : { password: user.password }),
        ...(ssl === undefined ? {} : { ssl }),
        application_name: 'dbq',
        options: BASELINE_STARTUP_OPTIONS,
        connectionTimeoutMillis: 10_000,
        types: { getTypeParser: () => (value: string) => value },
      });
      client.on('error', () => undefined);
      await client.connect();
      return client;
    },
  });
}
