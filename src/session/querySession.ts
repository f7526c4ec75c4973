import { randomUUID } from 'node:crypto';
import {
  DbqError,
  PROTOCOL_VERSION,
  type CloseRequest,
  type Column,
  type ExecuteRequest,
  type FetchRequest,
  type PingRequest,
  type Page,
  type PingResult,
  type Request,
  type Result,
} from '../../shared/protocol/index.js';
import type { QueryTransport } from '../transport/transport.js';
import type { RequestProver } from '../identity/prover.js';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

export interface StatementOptions {
  pageRows?: number;
  pageBytes?: number;
  timeoutMs?: number;
  /**
   * Ask for the next page as soon as one arrives, so the function reads page N+1 while the caller
   * writes page N (for full reads such as `--format csv`; an interactive viewer fetches on demand).
   */
  prefetch?: boolean;
}

function expectPage(result: Result): Page {
  if (result.kind !== 'page')
    throw new DbqError('INTERNAL', `expected a page from the query function, got ${result.kind}`);
  return result;
}

/**
 * The result of one statement, read page by page. The first page is already here; later pages are
 * fetched on demand. When the function instance holding the cursor is gone, a read-only result is
 * resumed by running the statement again in a READ ONLY transaction and skipping the rows already seen.
 */
export class ResultStream {
  readonly columns: Column[];
  readonly command: string | null;
  private next: Page | null;
  private cursor: string | null;
  private prefetched: Promise<Page> | null = null;
  private position: number;
  private finished = false;
  /** The last page received: affected rows, truncation and notices are read from it. */
  lastPage: Page;

  constructor(
    private readonly session: QuerySession,
    private readonly sql: string,
    private readonly options: StatementOptions,
    first: Page,
  ) {
    this.columns = first.columns;
    this.command = first.command;
    this.next = first;
    this.lastPage = first;
    this.cursor = first.cursor;
    this.position = first.rowOffset;
  }

  /** Rows delivered so far. */
  get rowsRead(): number {
    return this.position;
  }

  get hasMore(): boolean {
    return this.next !== null || this.cursor !== null;
  }

  /** The next page, or null when the result is complete. */
  async fetchNextPage(): Promise<Page | null> {
    let page = this.next;
    this.next = null;
    if (!page) {
      if (this.cursor === null) {
        this.finished = true;
        return null;
      }
      const pending = this.prefetched ?? this.fetchFromCursor(this.cursor);
      this.prefetched = null;
      page = await pending;
    }
    this.cursor = page.cursor;
    this.position = page.rowOffset + page.rows.length;
    this.lastPage = page;
    if (page.cursor === null) this.finished = true;
    else if (this.options.prefetch) this.startPrefetch(page.cursor);
    return page;
  }

  private startPrefetch(cursor: string): void {
    const pending = this.fetchFromCursor(cursor);
    // Consumed (and its error reported) by the next fetchNextPage or close.
    pending.catch(() => undefined);
    this.prefetched = pending;
  }

  private async fetchFromCursor(cursor: string): Promise<Page> {
    try {
      return await this.session.fetch(cursor, this.options);
    } catch (error) {
      if (!(error instanceof DbqError) || error.code !== 'CURSOR_EXPIRED' || !this.lastPage.readOnly)
        throw error;
      const { prefetch: _prefetch, ...options } = this.options;
      const resumed = await this.session.executePage(this.sql, { ...options, skipRows: this.position });
      if (resumed.columns.length !== this.columns.length) {
        throw new DbqError(
          'CURSOR_EXPIRED',
          'the result changed shape while it was resumed; run the statement again',
        );
      }
      return resumed;
    }
  }

  async *pages(): AsyncGenerator<Page> {
    for (;;) {
      const page = await this.fetchNextPage();
      if (!page) return;
      yield page;
    }
  }

  /** Releases the function's cursor when the caller stops early. */
  async close(): Promise<void> {
    const prefetched = this.prefetched;
    this.prefetched = null;
    let cursor = this.cursor;
    if (prefetched) cursor = await prefetched.then((page) => page.cursor).catch(() => null);
    this.cursor = null;
    this.next = null;
    if (this.finished || cursor === null) return;
    this.finished = true;
    await this.session.closeCursor(cursor).catch(() => undefined);
  }
}

/**
 * One connection profile's conversation with the query function. The REPL and the one-shot CLI both
 * run statements through it.
 */
export class QuerySession {
  /**
   * @param prover attaches a fresh identity proof to every request (absent for the local function, whose
   *   verifier ignores proofs).
   */
  constructor(
    readonly transport: QueryTransport,
    readonly target?: string,
    readonly prover?: RequestProver,
  ) {}

  private request<R extends Request>(body: DistributiveOmit<R, 'v' | 'requestId' | 'target'>): R {
    return {
      v: PROTOCOL_VERSION,
      requestId: randomUUID(),
      ...(this.target === undefined ? {} : { target: this.target }),
      ...body,
    } as R;
  }

  /** Builds, proves and sends one request: each proof is bound to its own request, never reused. */
  private async send<R extends Request>(
    body: DistributiveOmit<R, 'v' | 'requestId' | 'target'>,
  ): Promise<Result> {
    const request = this.request<R>(body);
    if (this.prover) request.identity = await this.prover.prove(request);
    return this.transport.send(request);
  }

  /** Runs one statement and returns its result stream, positioned before the first page. */
  async execute(sql: string, options: StatementOptions = {}): Promise<ResultStream> {
    const first = await this.executePage(sql, options);
    return new ResultStream(this, sql, options, first);
  }

  async executePage(sql: string, options: StatementOptions & { skipRows?: number }): Promise<Page> {
    const { prefetch: _prefetch, ...wire } = options;
    const result = await this.send<ExecuteRequest>({ op: 'execute', sql, options: wire });
    return expectPage(result);
  }

  async fetch(cursor: string, options: StatementOptions): Promise<Page> {
    const pageOptions = {
      ...(options.pageRows === undefined ? {} : { pageRows: options.pageRows }),
      ...(options.pageBytes === undefined ? {} : { pageBytes: options.pageBytes }),
    };
    return expectPage(await this.send<FetchRequest>({ op: 'fetch', cursor, options: pageOptions }));
  }

  async closeCursor(cursor: string): Promise<void> {
    await this.send<CloseRequest>({ op: 'close', cursor });
  }

  async ping(): Promise<PingResult> {
    const result = await this.send<PingRequest>({ op: 'ping' });
    if (result.kind !== 'ping') throw new DbqError('INTERNAL', `expected a ping result, got ${result.kind}`);
    return result;
  }
}
