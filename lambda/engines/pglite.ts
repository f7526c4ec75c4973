import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { createPgConfig } from '@electric-sql/pglite/node-postgres';
import pg from 'pg';
import type { TargetConfig } from '../config.js';
import type { Engine } from './types.js';
import { createPgEngine } from './postgres.js';
import { DEMO_SCHEMA_SQL } from './demoData.js';

/**
 * Embedded PostgreSQL (PGlite) for local use only. It is one in-process session, so the engine allows a
 * single connection; a new database directory is seeded with the demo schema.
 */
export function createPgliteEngine(target: TargetConfig): Engine {
  let database: Promise<PGlite> | null = null;
  const open = (): Promise<PGlite> => {
    database ??= openDatabase(target.dataDir);
    return database;
  };
  return createPgEngine({
    name: 'pglite',
    maxConnections: 1,
    baselineInStartup: false,
    where: target.dataDir ?? 'memory',
    connect: async () => {
      const db = await open();
      const client = new pg.Client({
        ...createPgConfig(db),
        types: { getTypeParser: () => (value: string) => value },
      });
      await client.connect();
      return client;
    },
    shutdown: async () => {
      if (database) await (await database).close();
      database = null;
    },
  });
}

async function openDatabase(dataDir: string | undefined): Promise<PGlite> {
  if (dataDir === undefined) return seed(await PGlite.create());
  const fresh = !existsSync(join(dataDir, 'PG_VERSION'));
  mkdirSync(dataDir, { recursive: true });
  const db = await PGlite.create(dataDir);
  return fresh ? seed(db) : db;
}

async function seed(db: PGlite): Promise<PGlite> {
  await db.exec(`BEGIN; ${DEMO_SCHEMA_SQL}; COMMIT;`);
  return db;
}
