import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildLambdaBundle,
  executeRequest,
  localPgConfig,
  runBundle,
  zippedBytes,
  type LambdaBundle,
} from '../../bench/bundle.js';
import { IdentityProver } from '../../src/identity/prover.js';
import { createMariaDbDatabase, MARIADB_HOST, MARIADB_PORT } from '../helpers/mariadb.js';
import { createPgDatabase, type TestPgDatabase } from '../helpers/postgres.js';
import { startStsStandIn, testIdentities } from '../helpers/stsStandIn.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** 1 MB, read the strict way. */
const MB = 1_000_000;

interface OkResponse {
  ok: true;
  result: { kind: string; columns: { name: string }[]; rows: unknown[][] };
}

describe('the deployed Lambda bundle', () => {
  let work: string;
  let bundle: LambdaBundle;
  let db: TestPgDatabase;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'dbq-bundle-test-'));
    bundle = buildLambdaBundle(ROOT, join(work, 'lambda-bundle'));
    db = await createPgDatabase();
    await db.query('CREATE TABLE items (id int PRIMARY KEY, label text)');
    await db.query("INSERT INTO items VALUES (1, 'one'), (2, 'two')");
  });

  afterAll(async () => {
    await db?.drop();
    rmSync(work, { recursive: true, force: true });
  });

  it('contains the handler and the server drivers but no PGlite, Ink, React or client code', () => {
    const inputs = Object.keys(bundle.metafile.inputs);
    expect(inputs).toContain('lambda/handler.ts');
    expect(inputs).toContain('lambda/stream/handler.ts');
    expect(inputs).toContain('lambda/engines/deployed.ts');
    expect(inputs.some((input) => input.includes('node_modules/pg/'))).toBe(true);
    expect(inputs.some((input) => input.includes('node_modules/mysql2/'))).toBe(true);
    expect(inputs.some((input) => input.includes('node_modules/@aws-sdk/rds-signer/'))).toBe(true);
    const unwanted = inputs.filter((input) =>
      /node_modules\/(@electric-sql\/pglite|ink|ink-[^/]+|react|react-reconciler|yoga-layout)\//.test(input),
    );
    expect(unwanted).toEqual([]);
    expect(inputs.filter((input) => input.startsWith('src/'))).toEqual([]);
    expect(inputs.filter((input) => input.startsWith('lambda/engines/pglite'))).toEqual([]);
  });

  it('is minified ES modules, the entry index.mjs, with source maps in separate files', () => {
    const modules = readdirSync(bundle.dir).filter((name) => name.endsWith('.mjs'));
    expect(modules).toContain('index.mjs');
    for (const name of modules) {
      const code = readFileSync(join(bundle.dir, name), 'utf8');
      expect(existsSync(join(bundle.dir, `${name}.map`))).toBe(true);
      expect(code).not.toContain('sourceMappingURL=data:');
    }
    const entry = readFileSync(bundle.file, 'utf8');
    // Minified: far fewer lines than the modules it holds.
    expect(entry.split('\n').length).toBeLessThan(Object.keys(bundle.metafile.inputs).length);
    expect(entry).toMatch(/export\s*\{[^}]*\bhandler\b[^}]*\}/);
  });

  it('loads each SQL parser in its own chunk, on first use, with the WebAssembly it needs beside it', () => {
    const entryInputs = Object.entries(bundle.metafile.outputs).find(([path]) =>
      path.endsWith('/index.mjs'),
    )?.[1].inputs;
    expect(Object.keys(entryInputs ?? {}).length).toBeGreaterThan(0);
    const inEntry = Object.keys(entryInputs ?? {});
    expect(inEntry.filter((input) => /libpg-query|node-sql-parser/.test(input))).toEqual([]);
    expect(existsSync(join(bundle.dir, 'libpg-query.wasm'))).toBe(true);
  });

  it('stays under 1 MB zipped without source maps', () => {
    const zipped = zippedBytes(bundle.dir);
    expect(zipped).toBeGreaterThan(100 * 1024);
    expect(zipped).toBeLessThan(MB);
  });

  it('runs a statement against PostgreSQL when loaded in a fresh Node.js process', async () => {
    const run = await runBundle(
      bundle.file,
      { DBQ_CONFIG: localPgConfig(db.url) },
      executeRequest('SELECT id, label FROM items ORDER BY id'),
    );
    expect(run.error).toBeUndefined();
    expect(run.streaming).toBe(true);
    const response = run.response as OkResponse;
    expect(response.ok).toBe(true);
    expect(response.result.kind).toBe('page');
    expect(response.result.columns.map((column) => column.name)).toEqual(['id', 'label']);
    expect(response.result.rows).toEqual([
      [1, 'one'],
      [2, 'two'],
    ]);
    const audit = run.stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { type: string; event: string; outcome?: string });
    expect(audit.map((event) => [event.type, event.event, event.outcome])).toEqual([
      ['dbq.audit', 'intent', undefined],
      ['dbq.audit', 'outcome', 'ok'],
    ]);
  });

  it('reads non-ASCII text from MariaDB although it carries no legacy multi-byte charset tables', async () => {
    const maria = await createMariaDbDatabase();
    try {
      // A Shift JIS column: the session still reads it as utf8mb4, so no sjis table is needed.
      await maria.root.query('CREATE TABLE words (w VARCHAR(20) CHARACTER SET sjis)');
      await maria.root.query("INSERT INTO words VALUES ('おはよう'), ('寿司')");
      const config = {
        identity: { mode: 'local', principal: 'local:user/bundle-check', role: 'read' },
        targets: {
          maria: {
            engine: 'mysql',
            host: MARIADB_HOST,
            port: MARIADB_PORT,
            database: maria.name,
            users: { read: { user: 'root' } },
            tls: { mode: 'disable' },
          },
        },
      };
      const run = await runBundle(
        bundle.file,
        { DBQ_CONFIG: JSON.stringify(config) },
        executeRequest('SELECT w FROM words ORDER BY w'),
      );
      expect(run.error).toBeUndefined();
      expect((run.response as OkResponse).result.rows.flat().sort()).toEqual(['おはよう', '寿司'].sort());
    } finally {
      await maria.drop();
    }
  });

  it('verifies the caller with STS and runs the statement as the mapped role inside AWS Lambda', async () => {
    const { reader, intruder } = testIdentities();
    const sts = await startStsStandIn([reader, intruder], { region: 'eu-west-1' });
    try {
      const url = new URL(db.url);
      const config = {
        identity: { mode: 'sts', region: 'eu-west-1', stsEndpoint: sts.url },
        targets: {
          pg: {
            engine: 'postgres',
            host: url.hostname,
            port: Number(url.port || 5432),
            database: db.name,
            users: { read: { user: 'postgres' } },
            tls: { mode: 'disable' },
            roleMap: [
              { principal: 'arn:aws:iam::111122223333:role/AWSReservedSSO_DBReader_*', role: 'read' },
            ],
          },
        },
      };
      const env = {
        DBQ_CONFIG: JSON.stringify(config),
        AWS_LAMBDA_FUNCTION_NAME: 'dbq-query',
        AWS_REGION: 'eu-west-1',
      };
      const prove = async (identity: typeof reader, sql: string): Promise<unknown> => {
        const request = { v: 1 as const, op: 'execute' as const, requestId: 'bundle-sts', sql };
        const prover = new IdentityProver({
          credentials: identity,
          region: 'eu-west-1',
          stsEndpoint: sts.url,
        });
        return { ...request, identity: await prover.prove(request) };
      };

      const allowed = await runBundle(
        bundle.file,
        env,
        await prove(reader, 'SELECT count(*) AS n FROM items'),
      );
      expect(allowed.error).toBeUndefined();
      expect((allowed.response as OkResponse).result.rows).toEqual([['2']]);
      expect(allowed.stdout).toContain(`"principal":"${reader.arn}"`);

      const denied = await runBundle(bundle.file, env, await prove(intruder, 'SELECT 1'));
      expect(denied.response).toMatchObject({ ok: false, error: { code: 'DENIED' } });
    } finally {
      await sts.close();
    }
  });

  it('refuses the local identity when it finds itself inside AWS Lambda', async () => {
    const run = await runBundle(
      bundle.file,
      { DBQ_CONFIG: localPgConfig(db.url), AWS_LAMBDA_FUNCTION_NAME: 'dbq-query' },
      executeRequest('SELECT 1'),
    );
    expect(run.response).toBeUndefined();
    expect(run.error).toMatch(/local identity verifier must never run inside AWS Lambda/);
  });
});
