import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const PG_ADMIN_URL = process.env.DBQ_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestPgDatabase {
  name: string;
  url: string;
  /** Runs SQL as the superuser in the test database. */
  query<T extends pg.QueryResultRow = pg.QueryResultRow>(
    sql: string | pg.QueryConfig,
    params?: unknown[],
  ): Promise<pg.QueryResult<T>>;
  drop(): Promise<void>;
}

/** Creates a fresh database on the local PostgreSQL; fails loudly when the server is not there. */
export async function createPgDatabase(): Promise<TestPgDatabase> {
  const name = `dbq_t_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  return {
    name,
    url: url.toString(),
    query: <T extends pg.QueryResultRow>(sql: string | pg.QueryConfig, params?: unknown[]) =>
      client.query<T>(sql, params),
    drop: async () => {
      await client.end();
      const again = new pg.Client({ connectionString: PG_ADMIN_URL });
      await again.connect();
      await again.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await again.end();
    },
  };
}
