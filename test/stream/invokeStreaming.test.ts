import { createHash } from 'node:crypto';
import type { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { InvokeWithResponseStreamCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { DbqError, exportPreamble, type Cell } from '../../shared/protocol/index.js';
import type { StreamingHandler } from '../../lambda/stream/streamHandler.js';
import { startInvokeServer, type InvokeServer } from '../../src/local/invokeServer.js';
import { lambdaStreamInvoker } from '../../src/stream/invokeStream.js';
import { readExportPart } from '../../src/stream/partReader.js';
import { waitFor } from './exportFixtures.js';

const servers: InvokeServer[] = [];
const clients: LambdaClient[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.destroy();
  for (const server of servers.splice(0)) await server.close();
});

async function serve(
  streamHandler: StreamingHandler | undefined,
  options: { streamLimitBytes?: number } = {},
): Promise<LambdaClient> {
  const server = await startInvokeServer({
    handler: (event) => Promise.resolve({ plain: event }),
    ...(streamHandler ? { streamHandler } : {}),
    ...options,
  });
  servers.push(server);
  const client = new LambdaClient({
    region: 'us-east-1',
    endpoint: server.url,
    credentials: { accessKeyId: 'k', secretAccessKey: 's' },
    maxAttempts: 1,
  });
  clients.push(client);
  return client;
}

function write(stream: Writable, data: string | Buffer): Promise<void> {
  return new Promise((resolve, reject) => stream.write(data, (error) => (error ? reject(error) : resolve())));
}

function end(stream: Writable): Promise<void> {
  return new Promise((resolve) => stream.end(() => resolve()));
}

async function collect(client: LambdaClient, payload: unknown) {
  const out = await client.send(
    new InvokeWithResponseStreamCommand({ FunctionName: 'f', Payload: Buffer.from(JSON.stringify(payload)) }),
  );
  const chunks: Buffer[] = [];
  let complete: Record<string, unknown> | undefined;
  for await (const event of out.EventStream ?? []) {
    if (event.PayloadChunk?.Payload) chunks.push(Buffer.from(event.PayloadChunk.Payload));
    if (event.InvokeComplete) complete = { ...event.InvokeComplete };
  }
  return { status: out.StatusCode, version: out.ExecutedVersion, chunks, complete };
}

const HEAD = { t: 'head', requestId: 'r', auditId: 'a', part: 0, rowOffset: 0, command: 'SELECT' };
const COLUMNS = [{ name: 'n', type: 'int4', kind: 'int' }];

/** A hand-made uncompressed export stream: head, batches, and the trailer `trailer` makes from the hash. */
function exportStream(batches: Cell[][][], trailer: (sha256: string, rows: number) => object | null): string {
  const lines = [
    JSON.stringify({ ...HEAD, columns: COLUMNS }),
    ...batches.map((batch) => JSON.stringify(batch)),
  ];
  const body = lines.map((line) => `${line}\n`).join('');
  const rows = batches.reduce((sum, batch) => sum + batch.length, 0);
  const end = trailer(createHash('sha256').update(body).digest('hex'), rows);
  return exportPreamble('none') + body + (end === null ? '' : `${JSON.stringify(end)}\n`);
}

async function readCrafted(stream: string, split = 7): Promise<{ rows: Cell[][]; error?: DbqError }> {
  const client = await serve(async (_event, response) => {
    // Odd-sized pieces: lines must be reassembled across chunks.
    for (let i = 0; i < stream.length; i += split) await write(response, stream.slice(i, i + split));
    await end(response);
  });
  const rows: Cell[][] = [];
  try {
    await readExportPart(
      lambdaStreamInvoker(client, 'f')(
        { v: 1, op: 'export', requestId: 'r', sql: 'x' },
        new AbortController().signal,
      ),
      { onHead: () => undefined, onRows: (batch) => Promise.resolve(void rows.push(...batch)) },
    );
  } catch (error) {
    if (error instanceof DbqError) return { rows, error };
    throw error;
  }
  return { rows };
}

describe('InvokeWithResponseStream on the local endpoint', () => {
  it('frames each write as a PayloadChunk and ends with InvokeComplete, read by the real SDK', async () => {
    const client = await serve(async (event, response, context) => {
      await write(response, JSON.stringify(event));
      await write(response, `|${context.awsRequestId.length}`);
      await end(response);
    });
    const result = await collect(client, { hello: 'world' });
    expect(result.status).toBe(200);
    expect(result.version).toBe('$LATEST');
    expect(result.chunks.map((chunk) => chunk.toString())).toEqual(['{"hello":"world"}', '|36']);
    expect(result.complete).toEqual({});
  });

  it('reports a handler that throws in InvokeComplete', async () => {
    const client = await serve(async (_event, response) => {
      await write(response, 'partial');
      throw new TypeError('boom');
    });
    const result = await collect(client, {});
    expect(result.chunks.map(String)).toEqual(['partial']);
    expect(result.complete?.ErrorCode).toBe('Unhandled');
    expect(String(result.complete?.ErrorDetails)).toContain('boom');
  });

  it('cuts a stream at the response size limit as Lambda does', async () => {
    const client = await serve(
      async (_event, response) => {
        for (let i = 0; i < 10; i++) await write(response, Buffer.alloc(1000, 97)).catch(() => undefined);
        response.end();
      },
      { streamLimitBytes: 2500 },
    );
    const result = await collect(client, {});
    expect(Buffer.concat(result.chunks).length).toBeLessThanOrEqual(2500);
    expect(result.complete?.ErrorCode).toBe('Function.ResponseSizeTooLarge');
  });

  it('streams a plain function answer as one chunk when the function does not stream', async () => {
    const client = await serve(undefined);
    const result = await collect(client, { a: 1 });
    expect(JSON.parse(Buffer.concat(result.chunks).toString())).toEqual({ plain: { a: 1 } });
  });

  it('closes the handler response stream when the client goes away', async () => {
    let closed = false;
    const client = await serve(async (_event, response) => {
      response.on('close', () => (closed = true));
      try {
        for (let i = 0; i < 100_000 && !response.destroyed; i++)
          await write(response, Buffer.alloc(64 * 1024));
      } catch {
        // the client is gone
      }
    });
    const abort = new AbortController();
    const out = await client.send(
      new InvokeWithResponseStreamCommand({ FunctionName: 'f', Payload: Buffer.from('{}') }),
      {
        abortSignal: abort.signal,
      },
    );
    let received = 0;
    await expect(
      (async () => {
        for await (const event of out.EventStream ?? []) {
          received += event.PayloadChunk?.Payload?.length ?? 0;
          if (received > 1024 * 1024) abort.abort();
        }
      })(),
    ).rejects.toThrow();
    await waitFor(() => closed, 10_000, 'the handler to see the disconnect');
  });
});

describe('reading an export part', () => {
  it('accepts a part whose trailer matches its rows and SHA-256, reassembling lines across chunks', async () => {
    const result = await readCrafted(
      exportStream([[[1], [2]], [[3]]], (sha256, rows) => ({ t: 'end', rows, sha256, next: null })),
    );
    expect(result.error).toBeUndefined();
    expect(result.rows).toEqual([[1], [2], [3]]);
  });

  it('fails a stream that ends without its trailer (cut), after handing on the rows it had', async () => {
    const result = await readCrafted(exportStream([[[1], [2]]], () => null));
    expect(result.error?.code).toBe('CONNECTION');
    expect(result.error?.message).toMatch(/cut after 2 rows/);
  });

  it('fails a stream cut in the middle of a line', async () => {
    const whole = exportStream([[[1], [2]]], (sha256, rows) => ({ t: 'end', rows, sha256, next: null }));
    const result = await readCrafted(whole.slice(0, whole.indexOf('[[') + 4));
    expect(result.error?.code).toBe('CONNECTION');
  });

  it('fails a part whose rows do not match the trailer checksum', async () => {
    const result = await readCrafted(
      exportStream([[[1]]], (_sha256, rows) => ({ t: 'end', rows, sha256: 'f'.repeat(64), next: null })),
    );
    expect(result.error?.code).toBe('INTERNAL');
    expect(result.error?.message).toMatch(/failed its check/);
  });

  it('fails a part whose row count does not match the trailer', async () => {
    const result = await readCrafted(
      exportStream([[[1]]], (sha256) => ({ t: 'end', rows: 2, sha256, next: null })),
    );
    expect(result.error?.message).toMatch(/vouches for 2 rows/);
  });

  it('turns an error trailer into the error it carries', async () => {
    const result = await readCrafted(
      exportStream([[[1]]], (_sha256, rows) => ({
        t: 'error',
        rows,
        error: { code: 'QUERY', message: 'division by zero', sqlstate: '22012' },
      })),
    );
    expect(result.error).toMatchObject({ code: 'QUERY', message: 'division by zero' });
    expect(result.error?.fields.sqlstate).toBe('22012');
  });

  it('refuses a response that is not an export stream', async () => {
    const result = await readCrafted('{"v":1,"ok":true}\n');
    expect(result.error?.code).toBe('INTERNAL');
    expect(result.error?.message).toMatch(/did not answer with an export stream/);
  });
});
