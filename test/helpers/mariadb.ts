import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll } from 'vitest';
import type { TargetConfig } from '../../lambda/config.js';

/** The real MariaDB the tests run against (root with an empty password, as CI and the dev box set it up). */
export const MARIADB_HOST = process.env.DBQ_TEST_MARIADB_HOST ?? '127.0.0.1';
export const MARIADB_PORT = Number(process.env.DBQ_TEST_MARIADB_PORT ?? '3306');
const ROOT_USER = 'root';

export interface TestMariaDbDatabase {
  /** `dbq_t_<random>`, created for this test file. */
  readonly name: string;
  /** `mysql://root@host:port/name`, for `dbq local --db-url`. */
  readonly url: string;
  /** A root connection to the test database, for setup and for checking results directly. */
  readonly root: mysql.Connection;
  /** An engine target for the test database; every role connects as root unless overridden. */
  target(overrides?: Partial<TargetConfig>): TargetConfig;
  /** Drops the database and closes the root connection. */
  drop(): Promise<void>;
}

/**
 * Creates a fresh database on the test MariaDB. A server that is down fails the tests loudly (with how
 * to start it) rather than skipping them.
 */
export async function createMariaDbDatabase(): Promise<TestMariaDbDatabase> {
  let root: mysql.Connection;
  try {
    root = await mysql.createConnection({
      host: MARIADB_HOST,
      port: MARIADB_PORT,
      user: ROOT_USER,
      password: '',
      charset: 'utf8mb4',
      supportBigNumbers: true,
      bigNumberStrings: true,
      dateStrings: true,
    });
  } catch (error) {
    throw new Error(
      `MariaDB is not reachable at ${MARIADB_HOST}:${MARIADB_PORT} as ${ROOT_USER} (${(error as Error).message}). ` +
        'Start it with: start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd',
    );
  }
  const name = `dbq_t_${randomBytes(6).toString('hex')}`;
  await root.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  await root.query(`USE \`${name}\``);
  const rootUser = { user: ROOT_USER, password: '' };
  return {
    name,
    url: `mysql://${ROOT_USER}@${MARIADB_HOST}:${MARIADB_PORT}/${name}`,
    root,
    target(overrides = {}) {
      return {
        engine: 'mysql',
        host: MARIADB_HOST,
        port: MARIADB_PORT,
        database: name,
        users: { read: rootUser, write: rootUser, admin: rootUser },
        auth: 'password',
        tls: { mode: 'disable' },
        ...overrides,
      };
    },
    async drop() {
      try {
        await root.query(`DROP DATABASE IF EXISTS \`${name}\``);
      } finally {
        await root.end();
      }
    },
  };
}

/**
 * Registers beforeAll/afterAll hooks that give the calling test file its own database. Read `.current`
 * inside tests and hooks, not at module load.
 */
export function useMariaDbDatabase(): { readonly current: TestMariaDbDatabase } {
  let database: TestMariaDbDatabase | undefined;
  beforeAll(async () => {
    database = await createMariaDbDatabase();
  });
  afterAll(async () => {
    await database?.drop();
  });
  return {
    get current(): TestMariaDbDatabase {
      if (database === undefined) throw new Error('the test database exists only inside tests and hooks');
      return database;
    },
  };
}
