import {
  InvokeWithResponseStreamCommand,
  type InvokeWithResponseStreamCompleteEvent,
  type LambdaClient,
} from '@aws-sdk/client-lambda';
import { DbqError, type ExportRequest } from '../../shared/protocol/index.js';
import { fromSdkError } from '../transport/lambdaTransport.js';

interface Destroyable {
  destroy?: () => void;
}

/** Sends one export request and yields the bytes of its streamed response. */
export type StreamInvoker = (request: ExportRequest, signal: AbortSignal) => AsyncIterable<Uint8Array>;

function completionError(complete: InvokeWithResponseStreamCompleteEvent, where: string): DbqError {
  const code = complete.ErrorCode ?? 'Unhandled';
  let detail = complete.ErrorDetails ?? '';
  try {
    const parsed = JSON.parse(detail) as { errorMessage?: unknown };
    if (typeof parsed.errorMessage === 'string') detail = parsed.errorMessage;
  } catch {
    // not JSON: keep the raw text
  }
  if (code === 'Function.ResponseSizeTooLarge') {
    return new DbqError('TOO_LARGE', `the export stream passed Lambda's streamed response limit: ${detail}`);
  }
  if (code === 'Sandbox.Timedout') return new DbqError('TIMEOUT', `the query function timed out: ${detail}`);
  return new DbqError('INTERNAL', `the query function ${where} failed: ${code}: ${detail.slice(0, 500)}`);
}

/**
 * `InvokeWithResponseStream` through the real AWS SDK client: yields each `PayloadChunk` as it arrives and
 * turns an `InvokeComplete` that carries a function error into a DbqError. The SDK reads the socket only as
 * fast as the chunks are consumed, so a slow consumer holds the function back. Aborting the signal closes
 * the connection, which the function notices as its response stream closing.
 */
export function lambdaStreamInvoker(client: LambdaClient, functionName: string): StreamInvoker {
  return async function* invoke(request, signal) {
    const command = new InvokeWithResponseStreamCommand({
      FunctionName: functionName,
      Payload: Buffer.from(JSON.stringify(request), 'utf8'),
    });
    // The SDK's abort signal stops a request that is still waiting for its response; once the stream is
    // flowing, closing the connection is ours to do, so the function sees its response stream close.
    let body: Destroyable | undefined;
    command.middlewareStack.add(
      (next) => async (args) => {
        const result = await next(args);
        body = (result.response as { body?: Destroyable }).body;
        return result;
      },
      { step: 'deserialize', name: 'dbqKeepResponseBody' },
    );
    const disconnect = (): void => body?.destroy?.();
    signal.addEventListener('abort', disconnect, { once: true });
    let output;
    try {
      output = await client.send(command, { abortSignal: signal });
    } catch (error) {
      signal.removeEventListener('abort', disconnect);
      if (signal.aborted) throw new DbqError('CANCELLED', 'export cancelled');
      throw fromSdkError(error, functionName);
    }
    const events = output.EventStream;
    if (events === undefined) throw new DbqError('INTERNAL', 'the query function answered without a stream');
    try {
      for await (const event of events) {
        if (signal.aborted) throw new DbqError('CANCELLED', 'export cancelled');
        const payload = event.PayloadChunk?.Payload;
        if (payload !== undefined && payload.length > 0) yield payload;
        const complete = event.InvokeComplete;
        if (complete?.ErrorCode) throw completionError(complete, functionName);
      }
    } catch (error) {
      if (signal.aborted) throw new DbqError('CANCELLED', 'export cancelled');
      disconnect();
      if (error instanceof DbqError) throw error;
      throw new DbqError(
        'CONNECTION',
        `the export stream from ${functionName} broke: ${(error as Error).message}`,
        { retryable: true },
      );
    } finally {
      signal.removeEventListener('abort', disconnect);
      // A consumer that stops early (an error downstream) must not leave the function streaming.
      disconnect();
    }
  };
}
