import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DbqError } from '../../../shared/protocol/errors.js';
import type { Cell } from '../../../shared/protocol/values.js';
import { ResultWindow } from '../../../src/repl/resultWindow.js';
import { createPgDatabase, type TestPgDatabase } from '../../helpers/postgres.js';
import { startLocalStack, type LocalStack } from '../../helpers/localStack.js';

const ROWS = 2_000;
const SQL = `SELECT g AS id, 'row ' || g AS label FROM generate_series(1, ${ROWS}) AS g ORDER BY g`;

describe('the bounded result window, through the local endpoint on PostgreSQL', () => {
  let db: TestPgDatabase;
  let stack: LocalStack;

  beforeAll(async () => {
    db = await createPgDatabase();
    stack = await startLocalStack({ engine: 'postgres', dbUrl: db.url, role: 'read' });
  });

  afterAll(async () => {
    await stack?.stop();
    await db?.drop();
  });

  async function open(refetch: boolean): Promise<{ window: ResultWindow; refetches: number[] }> {
    const refetches: number[] = [];
    const stream = await stack.session.execute(SQL, { pageRows: 100 });
    const window = new ResultWindow(stream, {
      capacityRows: 300,
      capacityBytes: 1024 * 1024,
      chunkRows: 100,
      refetch: refetch
        ? async (skipRows, rowCount): Promise<Cell[][]> => {
            refetches.push(skipRows);
            const page = await stack.session.executePage(SQL, { skipRows, pageRows: rowCount });
            if (page.cursor) await stack.session.closeCursor(page.cursor);
            return page.rows;
          }
        : null,
    });
    await window.open();
    return { window, refetches };
  }

  it('holds the first page, then fetches forward while dropping rows far behind the view', async () => {
    const { window } = await open(true);
    expect([window.start, window.end, window.fetched, window.total]).toEqual([0, 100, 100, null]);
    await window.ensure(900, 1000);
    expect(window.end).toBe(1000);
    expect(window.heldRows).toBeLessThanOrEqual(300);
    expect(window.row(950)).toEqual([951, 'row 951']);
    expect(window.row(10)).toBeUndefined();
    await window.close();
  });

  it('reads dropped rows again by re-running the statement and skipping to them', async () => {
    const { window, refetches } = await open(true);
    await window.ensure(1200, 1300);
    await window.ensure(0, 50);
    expect(window.row(0)).toEqual([1, 'row 1']);
    expect(window.row(49)).toEqual([50, 'row 50']);
    expect(refetches).toContain(0);
    expect(window.heldRows).toBeLessThanOrEqual(300);
    // Forward again, past what was held, without reading the cursor twice.
    await window.ensure(1250, 1350);
    expect(window.row(1349)).toEqual([1350, 'row 1350']);
    expect(window.fetched).toBe(1400);
    await window.close();
  });

  it('reads to the end with memory bounded, then knows the total', async () => {
    const { window } = await open(true);
    const progress: number[] = [];
    await window.fetchToEnd(undefined, (fetched) => progress.push(fetched));
    expect(window.total).toBe(ROWS);
    expect(window.row(ROWS - 1)).toEqual([ROWS, `row ${ROWS}`]);
    expect(window.heldRows).toBeLessThanOrEqual(300);
    expect(progress[progress.length - 1]).toBe(ROWS);
    await window.close();
  });

  it('stops reading to the end when aborted', async () => {
    const { window } = await open(true);
    const abort = new AbortController();
    await window.fetchToEnd(abort.signal, (fetched) => {
      if (fetched >= 300) abort.abort();
    });
    expect(window.total).toBeNull();
    expect(window.fetched).toBe(300);
    await window.close();
  });

  it('goes on by re-reading when the cursor dies (statement timeout) in a read-only result', async () => {
    const stream = await stack.session.execute(SQL, { pageRows: 100 });
    let pages = 0;
    // The real stream, except that its cursor dies after three pages, as a held cursor does when the
    // statement timeout runs out.
    const dying = Object.assign(Object.create(stream) as typeof stream, {
      fetchNextPage: async () => {
        if (++pages > 3) throw new DbqError('TIMEOUT', 'canceling statement due to statement timeout');
        return stream.fetchNextPage();
      },
    });
    const window = new ResultWindow(dying, {
      capacityRows: 300,
      capacityBytes: 1024 * 1024,
      chunkRows: 100,
      refetch: async (skipRows, rowCount) => {
        const page = await stack.session.executePage(SQL, { skipRows, pageRows: rowCount });
        if (page.cursor) await stack.session.closeCursor(page.cursor);
        return page.rows;
      },
    });
    await window.open();
    await window.ensure(500, 600);
    expect(window.row(599)).toEqual([600, 'row 600']);
    await window.fetchToEnd();
    expect(window.total).toBe(ROWS);
    expect(window.row(ROWS - 1)).toEqual([ROWS, `row ${ROWS}`]);
    await window.close();
  });

  it('keeps dropped rows dropped when the statement must not run again', async () => {
    const { window } = await open(false);
    await window.ensure(600, 700);
    await window.ensure(0, 10);
    expect(window.row(0)).toBeUndefined();
    expect(window.start).toBeGreaterThan(0);
    await window.close();
  });
});
