import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { finished } from 'node:stream/promises';
import type { LambdaContext } from '../../lambda/createHandler.js';
import type { StreamingHandler } from '../../lambda/stream/streamHandler.js';
import { LAMBDA_STREAM_LIMIT_BYTES } from '../../shared/protocol/index.js';
import { createPayloadStream, invokeCompleteMessage, type InvokeComplete } from './eventStreamResponse.js';
import { runCapturingLogs } from './logCapture.js';

/** Lambda's synchronous invocation limits: 6 MB each way. */
export const INVOKE_PAYLOAD_LIMIT = 6 * 1024 * 1024;
const TAIL_BYTES = 4096;
const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;
const STREAM_PATH = /^\/2021-11-15\/functions\/([^/]+)\/response-streaming-invocations$/;

export type InvokeHandler = (event: unknown, context: LambdaContext) => Promise<unknown>;

export interface InvokeServerOptions {
  handler: InvokeHandler;
  /**
   * Answers `InvokeWithResponseStream` (`awslambda.streamifyResponse`'s handler shape). Without it, the
   * plain handler's answer is streamed as one chunk, as Lambda does for a function that does not stream.
   */
  streamHandler?: StreamingHandler;
  /** Lambda cuts a streamed response at 200 MB; tests lower this to see the cut. */
  streamLimitBytes?: number;
  /** The function timeout, as configured on a real function (default 900 s). */
  timeoutMs?: number;
  host?: string;
  port?: number;
}

export interface InvokeServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

function sendError(response: ServerResponse, status: number, type: string, message: string): void {
  const body = JSON.stringify({ Type: 'User', message });
  response.writeHead(status, {
    'Content-Type': 'application/json',
    'X-Amzn-ErrorType': type,
    'X-Amzn-RequestId': randomUUID(),
    'Content-Length': Buffer.byteLength(body),
  });
  response.end(body);
}

function readBody(request: IncomingMessage): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > INVOKE_PAYLOAD_LIMIT) tooLarge = true;
      else chunks.push(chunk);
    });
    request.on('end', () => resolve(tooLarge ? null : Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

function tail(lines: string[]): string {
  const text = lines.join('\n') + (lines.length > 0 ? '\n' : '');
  const bytes = Buffer.from(text, 'utf8');
  return bytes.subarray(Math.max(0, bytes.length - TAIL_BYTES)).toString('base64');
}

/**
 * Reads an invocation's JSON payload, answering as Lambda does when it is too large or not JSON;
 * `undefined` means the answer has been sent.
 */
async function readEvent(
  request: IncomingMessage,
  response: ServerResponse,
  operation: string,
): Promise<unknown> {
  const body = await readBody(request);
  if (body === null) {
    sendError(
      response,
      413,
      'RequestTooLargeException',
      `Request must be smaller than ${INVOKE_PAYLOAD_LIMIT} bytes for the ${operation} operation`,
    );
    return undefined;
  }
  try {
    return body.length === 0 ? {} : (JSON.parse(body.toString('utf8')) as unknown);
  } catch (error) {
    sendError(
      response,
      400,
      'InvalidRequestContentException',
      `Could not parse request body into json: ${(error as Error).message}`,
    );
    return undefined;
  }
}

async function invoke(
  options: InvokeServerOptions,
  request: IncomingMessage,
  response: ServerResponse,
  functionName: string,
): Promise<void> {
  const event = await readEvent(request, response, 'InvokeFunction');
  if (event === undefined) return;
  const invocationType = request.headers['x-amz-invocation-type'] ?? 'RequestResponse';
  if (invocationType === 'DryRun') {
    response.writeHead(204, { 'X-Amzn-RequestId': randomUUID() });
    response.end();
    return;
  }
  const requestId = randomUUID();
  const timeoutMs = options.timeoutMs ?? 900_000;
  const deadline = Date.now() + timeoutMs;
  const context: LambdaContext & { functionName: string } = {
    awsRequestId: requestId,
    functionName,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
  const { lines, result } = runCapturingLogs(() => options.handler(event, context));
  if (invocationType === 'Event') {
    result.catch(() => undefined);
    response.writeHead(202, { 'X-Amzn-RequestId': requestId });
    response.end();
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  let payload: string;
  let functionError: string | null = null;
  try {
    const outcome = await Promise.race([result, timedOut]);
    if (outcome === 'timeout') {
      functionError = 'Unhandled';
      payload = JSON.stringify({
        errorType: 'Sandbox.Timedout',
        errorMessage: `${requestId} Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`,
      });
    } else {
      payload = JSON.stringify(outcome) ?? 'null';
    }
  } catch (error) {
    functionError = 'Unhandled';
    const err = error instanceof Error ? error : new Error(String(error));
    payload = JSON.stringify({ errorType: err.name, errorMessage: err.message, trace: [] });
  } finally {
    clearTimeout(timer);
  }
  if (Buffer.byteLength(payload) > INVOKE_PAYLOAD_LIMIT) {
    functionError = 'Unhandled';
    payload = JSON.stringify({
      errorMessage: `Response payload size exceeded maximum allowed payload size (${INVOKE_PAYLOAD_LIMIT} bytes).`,
      errorType: 'Function.ResponseSizeTooLarge',
    });
  }
  const headers: Record<string, string | number> = {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(payload),
    'X-Amzn-RequestId': requestId,
    'X-Amz-Executed-Version': '$LATEST',
  };
  if (functionError) headers['X-Amz-Function-Error'] = functionError;
  if (request.headers['x-amz-log-type'] === 'Tail') headers['X-Amz-Log-Result'] = tail(lines);
  response.writeHead(200, headers);
  response.end(payload);
}

function streamError(error: unknown): InvokeComplete {
  const err = error instanceof Error ? error : new Error(String(error));
  const errorType = err.name === 'Function.ResponseSizeTooLarge' ? err.name : 'Unhandled';
  return {
    ErrorCode: errorType,
    ErrorDetails: JSON.stringify({ errorType: err.name, errorMessage: err.message, trace: [] }),
  };
}

/** `InvokeWithResponseStream`: the handler writes to a response stream framed as event-stream messages. */
async function invokeStreaming(
  options: InvokeServerOptions,
  request: IncomingMessage,
  response: ServerResponse,
  functionName: string,
): Promise<void> {
  const event = await readEvent(request, response, 'InvokeWithResponseStream');
  if (event === undefined) return;
  const requestId = randomUUID();
  const timeoutMs = options.timeoutMs ?? 900_000;
  const deadline = Date.now() + timeoutMs;
  const context: LambdaContext & { functionName: string } = {
    awsRequestId: requestId,
    functionName,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
  response.writeHead(200, {
    'Content-Type': 'application/vnd.amazon.eventstream',
    'X-Amzn-RequestId': requestId,
    'X-Amz-Executed-Version': '$LATEST',
  });
  const payload = createPayloadStream(response, options.streamLimitBytes ?? LAMBDA_STREAM_LIMIT_BYTES);
  // Its errors are read from `finished` below; a handler need not listen for them.
  payload.on('error', () => undefined);
  const streamHandler = options.streamHandler;
  const { lines, result } = runCapturingLogs(async () => {
    if (streamHandler) {
      await streamHandler(event, payload, context);
    } else {
      payload.write(JSON.stringify(await options.handler(event, context)) ?? 'null');
    }
    if (!payload.writableEnded) payload.end();
    await finished(payload);
  });
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  let complete: InvokeComplete = {};
  try {
    if ((await Promise.race([result, timedOut])) === 'timeout') {
      payload.destroy();
      complete = {
        ErrorCode: 'Sandbox.Timedout',
        ErrorDetails: `${requestId} Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`,
      };
    }
  } catch (error) {
    complete = streamError(payload.errored ?? error);
  } finally {
    clearTimeout(timer);
  }
  if (response.destroyed) return;
  if (request.headers['x-amz-log-type'] === 'Tail') complete.LogResult = tail(lines);
  response.end(invokeCompleteMessage(complete));
}

/**
 * An HTTP server that speaks the Lambda Invoke API (`POST /2015-03-31/functions/{name}/invocations`,
 * and `InvokeWithResponseStream` at `POST /2021-11-15/functions/{name}/response-streaming-invocations`),
 * like `sam local start-lambda`: the real AWS SDK client talks to it unchanged. It answers for any
 * function name and listens on loopback only unless told otherwise.
 */
export async function startInvokeServer(options: InvokeServerOptions): Promise<InvokeServer> {
  const server: Server = createServer((request, response) => {
    const streaming = STREAM_PATH.exec((request.url ?? '').split('?')[0] ?? '');
    if (request.method === 'POST' && streaming) {
      invokeStreaming(options, request, response, decodeURIComponent(streaming[1] ?? '')).catch(
        (error: unknown) => {
          if (!response.headersSent) sendError(response, 500, 'ServiceException', (error as Error).message);
          else response.destroy();
        },
      );
      return;
    }
    const match = INVOKE_PATH.exec((request.url ?? '').split('?')[0] ?? '');
    if (request.method !== 'POST' || !match) {
      sendError(response, 404, 'ResourceNotFoundException', `no route for ${request.method} ${request.url}`);
      return;
    }
    const functionName = decodeURIComponent(match[1] ?? '');
    invoke(options, request, response, functionName).catch((error: unknown) => {
      if (!response.headersSent) sendError(response, 500, 'ServiceException', (error as Error).message);
      else response.destroy();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
