import { afterEach, describe, expect, it } from 'vitest';
import {
  InvokeCommand,
  LambdaClient,
  RequestTooLargeException,
  InvalidRequestContentException,
} from '@aws-sdk/client-lambda';
import { startInvokeServer, type InvokeHandler, type InvokeServer } from '../../../src/local/invokeServer.js';
import { captureLogLine } from '../../../src/local/logCapture.js';

const servers: InvokeServer[] = [];
const clients: LambdaClient[] = [];

async function serve(handler: InvokeHandler, timeoutMs?: number): Promise<LambdaClient> {
  const server = await startInvokeServer({ handler, ...(timeoutMs === undefined ? {} : { timeoutMs }) });
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

const text = (payload: Uint8Array | undefined): string => Buffer.from(payload ?? []).toString('utf8');

afterEach(async () => {
  for (const client of clients.splice(0)) client.destroy();
  for (const server of servers.splice(0)) await server.close();
});

describe('local Lambda Invoke endpoint', () => {
  it('runs the handler with the event and a Lambda-like context for any function name', async () => {
    const client = await serve((event, context) =>
      Promise.resolve({
        event,
        requestId: context.awsRequestId,
        remaining: context.getRemainingTimeInMillis(),
      }),
    );
    const out = await client.send(
      new InvokeCommand({
        FunctionName: 'arn:aws:lambda:us-east-1:123456789012:function:any',
        Payload: Buffer.from('{"a":1}'),
      }),
    );
    expect(out.StatusCode).toBe(200);
    expect(out.ExecutedVersion).toBe('$LATEST');
    const body = JSON.parse(text(out.Payload)) as { event: unknown; requestId: string; remaining: number };
    expect(body.event).toEqual({ a: 1 });
    expect(body.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(body.remaining).toBeGreaterThan(890_000);
  });

  it('returns the tail of the invocation log when asked with LogType Tail', async () => {
    const client = await serve(() => {
      captureLogLine('{"type":"dbq.audit","event":"intent"}');
      return Promise.resolve({ ok: true });
    });
    const out = await client.send(
      new InvokeCommand({ FunctionName: 'f', LogType: 'Tail', Payload: Buffer.from('{}') }),
    );
    expect(Buffer.from(out.LogResult ?? '', 'base64').toString()).toContain('"event":"intent"');
  });

  it('reports an exception as an Unhandled function error', async () => {
    const client = await serve(() => Promise.reject(new TypeError('boom')));
    const out = await client.send(new InvokeCommand({ FunctionName: 'f', Payload: Buffer.from('{}') }));
    expect(out.FunctionError).toBe('Unhandled');
    expect(JSON.parse(text(out.Payload))).toMatchObject({ errorType: 'TypeError', errorMessage: 'boom' });
  });

  it('refuses a response over 6 MB the way Lambda does', async () => {
    const client = await serve(() => Promise.resolve({ big: 'x'.repeat(6 * 1024 * 1024) }));
    const out = await client.send(new InvokeCommand({ FunctionName: 'f', Payload: Buffer.from('{}') }));
    expect(out.FunctionError).toBe('Unhandled');
    expect(JSON.parse(text(out.Payload))).toMatchObject({ errorType: 'Function.ResponseSizeTooLarge' });
  });

  it('times the handler out at the function timeout', async () => {
    const client = await serve(() => new Promise(() => undefined), 200);
    const out = await client.send(new InvokeCommand({ FunctionName: 'f', Payload: Buffer.from('{}') }));
    expect(JSON.parse(text(out.Payload))).toMatchObject({ errorType: 'Sandbox.Timedout' });
  });

  it('rejects a request over 6 MB with RequestTooLargeException', async () => {
    const client = await serve(() => Promise.resolve({}));
    const payload = Buffer.from(JSON.stringify({ sql: 'x'.repeat(6 * 1024 * 1024) }));
    await expect(
      client.send(new InvokeCommand({ FunctionName: 'f', Payload: payload })),
    ).rejects.toBeInstanceOf(RequestTooLargeException);
  });

  it('rejects a body that is not JSON with InvalidRequestContentException', async () => {
    const client = await serve(() => Promise.resolve({}));
    await expect(
      client.send(new InvokeCommand({ FunctionName: 'f', Payload: Buffer.from('{not json') })),
    ).rejects.toBeInstanceOf(InvalidRequestContentException);
  });

  it('supports the DryRun and Event invocation types', async () => {
    let calls = 0;
    const client = await serve(() => {
      calls += 1;
      return Promise.resolve({});
    });
    const dry = await client.send(new InvokeCommand({ FunctionName: 'f', InvocationType: 'DryRun' }));
    expect(dry.StatusCode).toBe(204);
    expect(calls).toBe(0);
    const event = await client.send(
      new InvokeCommand({ FunctionName: 'f', InvocationType: 'Event', Payload: Buffer.from('{}') }),
    );
    expect(event.StatusCode).toBe(202);
  });
});
