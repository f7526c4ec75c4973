/**
 * Export figures: a whole result to a CSV file via `dbq export` (one query, a streamed response), via
 * `psql \copy` of the same query, and via the naive way — LIMIT/OFFSET pages of 10,000 rows, each a new
 * query through the same local endpoint. Prints time and peak memory; asserts nothing.
 */
import { createReadStream, rmSync } from 'node:fs';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { CsvWriter } from '../src/format/csv.js';
import { QuerySession } from '../src/session/querySession.js';
import { LambdaTransport } from '../src/transport/lambdaTransport.js';
import { measure, peakFromStderr, startUntil, measurePsqlCopy } from './proc.js';

export interface ExportBenchOptions {
  /** bin/dbq.js */
  dbq: string;
  /** bench/maxrss.mjs, preloaded to report peak memory */
  hook: string;
  work: string;
  env: NodeJS.ProcessEnv;
  pgUrl: string;
  rows: number[];
}

const OFFSET_PAGE_ROWS = 10_000;
/** Above this many pages, OFFSET paging is timed on a sample of pages and the total extrapolated. */
const OFFSET_FULL_PAGES = 100;
const OFFSET_SAMPLE_PAGES = 12;

function exportQuery(rows: number): string {
  return (
    `SELECT g AS id, md5(g::text) AS name, (g % 100000) * 1.25 AS amount, ` +
    `timestamptz '2024-01-01 00:00:00+00' + g * interval '1 second' AS created_at, g % 3 = 0 AS flag ` +
    `FROM generate_series(1, ${rows}) AS g`
  );
}

async function countLines(path: string): Promise<number> {
  let lines = 0;
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) lines += 1;
  }
  return lines;
}

const fmt = (n: number, digits = 0): string => n.toFixed(digits);

/** One LIMIT/OFFSET page through dbq's paged path, appended to the CSV writer; returns its time. */
async function offsetPage(
  session: QuerySession,
  sql: string,
  page: number,
  writer: CsvWriter,
): Promise<number> {
  const started = performance.now();
  const paged = `${sql} LIMIT ${OFFSET_PAGE_ROWS} OFFSET ${page * OFFSET_PAGE_ROWS}`;
  const result = await session.execute(paged, { pageRows: OFFSET_PAGE_ROWS, pageBytes: 4 * 1024 * 1024 });
  if (page === 0) await writer.begin(result.columns);
  for await (const part of result.pages()) await writer.writeRows(part.rows);
  return performance.now() - started;
}

/**
 * OFFSET paging of the whole result. Its cost grows with the square of the row count (page k makes the
 * database produce and discard k × 10,000 rows), so beyond OFFSET_FULL_PAGES pages a spread sample of pages
 * is timed and the total is the sum of the straight line fitted through them.
 */
async function offsetPaging(
  endpoint: string,
  sql: string,
  rows: number,
  out: string,
): Promise<{ ms: number; estimated: boolean }> {
  const transport = new LambdaTransport({ region: 'us-east-1', functionName: 'bench', endpoint });
  const session = new QuerySession(transport);
  const file = createWriteStream(out);
  const writer = new CsvWriter(file);
  const pages = Math.ceil(rows / OFFSET_PAGE_ROWS);
  try {
    if (pages <= OFFSET_FULL_PAGES) {
      let ms = 0;
      for (let page = 0; page < pages; page++) ms += await offsetPage(session, sql, page, writer);
      return { ms, estimated: false };
    }
    const samples: [number, number][] = [];
    for (let i = 0; i < OFFSET_SAMPLE_PAGES; i++) {
      const page = Math.round((i * (pages - 1)) / (OFFSET_SAMPLE_PAGES - 1));
      samples.push([page, await offsetPage(session, sql, page, writer)]);
    }
    const meanX = samples.reduce((s, [x]) => s + x, 0) / samples.length;
    const meanY = samples.reduce((s, [, y]) => s + y, 0) / samples.length;
    const slope =
      samples.reduce((s, [x, y]) => s + (x - meanX) * (y - meanY), 0) /
      samples.reduce((s, [x]) => s + (x - meanX) ** 2, 0);
    const intercept = meanY - slope * meanX;
    return { ms: pages * intercept + slope * ((pages * (pages - 1)) / 2), estimated: true };
  } finally {
    file.end();
    await finished(file);
    transport.close();
  }
}

async function startEndpoint(
  options: ExportBenchOptions,
): Promise<{ url: string; stderr: () => string; stop: () => Promise<void> }> {
  const local = await startUntil(
    process.execPath,
    [
      '--import',
      options.hook,
      options.dbq,
      'local',
      '--engine',
      'postgres',
      '--db-url',
      options.pgUrl,
      '--port',
      '0',
    ],
    /on (http:\/\/127\.0\.0\.1:\d+)/,
    options.env,
  );
  return {
    url: local.match[1] ?? '',
    stderr: local.stderr,
    stop: async () => {
      const exited = new Promise((resolve) => local.child.on('exit', resolve));
      local.child.kill('SIGINT');
      await exited;
    },
  };
}

async function exportOne(options: ExportBenchOptions, rows: number): Promise<void> {
  const sql = exportQuery(rows);
  const dbqOut = join(options.work, `export-dbq-${rows}.csv`);
  const psqlOut = join(options.work, `export-psql-${rows}.csv`);
  const offsetOut = join(options.work, `export-offset-${rows}.csv`);
  // A fresh endpoint for the export, so its peak memory belongs to this export alone.
  const exporting = await startEndpoint(options);
  let viaDbq;
  try {
    viaDbq = await measure(
      process.execPath,
      [
        '--import',
        options.hook,
        options.dbq,
        'export',
        '-q',
        '--endpoint',
        exporting.url,
        '-c',
        sql,
        '-o',
        dbqOut,
      ],
      options.env,
    );
    if (viaDbq.code !== 0) throw new Error(`dbq export failed: ${viaDbq.stderr}`);
  } finally {
    await exporting.stop();
  }
  const serverPeak = peakFromStderr(exporting.stderr());
  const paging = await startEndpoint(options);
  let offset;
  try {
    offset = await offsetPaging(paging.url, sql, rows, offsetOut);
  } finally {
    await paging.stop();
  }
  const viaPsql = await measurePsqlCopy(options.pgUrl, sql, psqlOut);
  const [dbqLines, psqlLines] = await Promise.all([countLines(dbqOut), countLines(psqlOut)]);
  if (dbqLines !== rows + 1 || psqlLines !== rows + 1) {
    throw new Error(`row counts differ: dbq ${dbqLines - 1}, psql ${psqlLines - 1}, expected ${rows}`);
  }
  for (const path of [dbqOut, psqlOut, offsetOut]) rmSync(path, { force: true });
  console.log(
    `export ${rows.toLocaleString('en')} rows: dbq export ${fmt(viaDbq.ms)} ms ` +
      `(peak: client ${fmt(viaDbq.peakMiB, 1)} MiB, function ${fmt(serverPeak, 1)} MiB)` +
      ` | psql \\copy ${fmt(viaPsql.ms)} ms (peak ${fmt(viaPsql.peakMiB, 1)} MiB)` +
      ` | OFFSET paging of ${OFFSET_PAGE_ROWS.toLocaleString('en')} ${fmt(offset.ms)} ms${offset.estimated ? ` (estimated from ${OFFSET_SAMPLE_PAGES} sampled pages)` : ''}` +
      ` | dbq/psql ${fmt(viaDbq.ms / viaPsql.ms, 2)}x, offset/dbq ${fmt(offset.ms / viaDbq.ms, 1)}x`,
  );
}

/** Runs the export figures for each row count. */
export async function exportBench(options: ExportBenchOptions): Promise<void> {
  for (const rows of options.rows) await exportOne(options, rows);
}
