import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { DbqError, PROTOCOL_VERSION, type Request } from '../../../shared/protocol/index.js';
import { LambdaTransport } from '../../../src/transport/lambdaTransport.js';
import { startInvokeServer, type InvokeServer } from '../../../src/local/invokeServer.js';

const ping: Request = { v: PROTOCOL_VERSION, op: 'ping', requestId: 'r1' };
const closers: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

async function invokeServer(
  handler: Parameters<typeof startInvokeServer>[0]['handler'],
): Promise<InvokeServer> {
  const server = await startInvokeServer({ handler });
  closers.push(() => server.close());
  return server;
}

function transportTo(url: string): LambdaTransport {
  const transport = new LambdaTransport({
    region: 'us-east-1',
    functionName: 'dbq',
    endpoint: url,
    maxThrottleRetries: 3,
  });
  closers.push(() => Promise.resolve(transport.close()));
  return transport;
}

async function failure(promise: Promise<unknown>): Promise<DbqError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DbqError);
  return error as DbqError;
}

describe('Lambda transport over the real SDK client', () => {
  it('retries throttled invocations with backoff, and only those', async () => {
    let calls = 0;
    const server: Server = createServer((request, response) => {
      calls += 1;
      request.resume();
      request.on('end', () => {
        if (calls <= 2) {
          response.writeHead(429, {
            'Content-Type': 'application/json',
            'X-Amzn-ErrorType': 'TooManyRequestsException',
          });
          response.end(
            JSON.stringify({
              message: 'Rate exceeded',
              Reason: 'ReservedFunctionConcurrentInvocationLimitExceeded',
            }),
          );
          return;
        }
        const body = JSON.stringify({
          v: 1,
          ok: true,
          requestId: 'r1',
          auditId: 'a1',
          result: {
            kind: 'ping',
            principal: 'p',
            role: 'read',
            target: 't',
            engine: 'postgres',
            database: 'd',
            serverVersion: 'PostgreSQL 15',
            protocol: 1,
          },
        });
        response.writeHead(200, { 'Content-Type': 'application/json' });
        response.end(body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise((resolve) => server.close(() => resolve())));
    const result = await transportTo(`http://127.0.0.1:${(server.address() as AddressInfo).port}`).send(ping);
    expect(result).toMatchObject({ kind: 'ping', role: 'read' });
    expect(calls).toBe(3);
  });

  it('does not retry a failed invocation that may have run', async () => {
    let calls = 0;
    const server = await invokeServer(() => {
      calls += 1;
      return Promise.reject(new Error('crashed'));
    });
    const error = await failure(transportTo(server.url).send(ping));
    expect(error.code).toBe('INTERNAL');
    expect(error.message).toMatch(/crashed/);
    expect(calls).toBe(1);
  });

  it('turns an oversized response into TOO_LARGE with advice', async () => {
    const server = await invokeServer(() => Promise.resolve({ big: 'y'.repeat(7 * 1024 * 1024) }));
    const error = await failure(transportTo(server.url).send(ping));
    expect(error.code).toBe('TOO_LARGE');
    expect(error.message).toMatch(/page-size/);
  });

  it('refuses an oversized statement before sending it', async () => {
    const server = await invokeServer(() => Promise.resolve({}));
    const big: Request = { v: 1, op: 'execute', requestId: 'r', sql: 'x'.repeat(7 * 1024 * 1024) };
    expect((await failure(transportTo(server.url).send(big))).code).toBe('TOO_LARGE');
  });

  it('rejects a response that is not a protocol response', async () => {
    const server = await invokeServer(() => Promise.resolve({ v: 9, hello: 'world' }));
    const error = await failure(transportTo(server.url).send(ping));
    expect(error.code).toBe('INTERNAL');
    expect(error.message).toMatch(/unknown format/);
  });

  it('carries a wire error back as a DbqError with its fields', async () => {
    const server = await invokeServer(() =>
      Promise.resolve({
        v: 1,
        ok: false,
        requestId: 'r1',
        auditId: 'a',
        error: { code: 'SYNTAX', message: 'syntax error', sqlstate: '42601', position: 3 },
      }),
    );
    const error = await failure(transportTo(server.url).send(ping));
    expect(error.code).toBe('SYNTAX');
    expect(error.fields).toEqual({ sqlstate: '42601', position: 3 });
  });

  it('says CONNECTION when nothing listens at the endpoint', async () => {
    const server = await invokeServer(() => Promise.resolve({}));
    const url = server.url;
    await server.close();
    closers.length = 0;
    const error = await failure(transportTo(url).send(ping));
    expect(error.code).toBe('CONNECTION');
    expect(error.message).toMatch(/ECONNREFUSED/);
  });
});
