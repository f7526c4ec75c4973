import type { ServerResponse } from 'node:http';
import { Writable } from 'node:stream';
import { EventStreamCodec, type MessageHeaders } from '@smithy/core/event-streams';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';

/**
 * The `application/vnd.amazon.eventstream` framing of `InvokeWithResponseStream`: each piece the function
 * writes travels as a `PayloadChunk` event, and the stream ends with one `InvokeComplete` event carrying
 * the function error, if any. The real AWS SDK decodes exactly this.
 */
const codec = new EventStreamCodec(toUtf8, fromUtf8);

function eventHeaders(eventType: string, contentType: string): MessageHeaders {
  return {
    ':event-type': { type: 'string', value: eventType },
    ':content-type': { type: 'string', value: contentType },
    ':message-type': { type: 'string', value: 'event' },
  };
}

export interface InvokeComplete {
  ErrorCode?: string;
  ErrorDetails?: string;
  LogResult?: string;
}

/** Frames one payload chunk. */
export function payloadChunkMessage(payload: Uint8Array): Uint8Array {
  return codec.encode({ headers: eventHeaders('PayloadChunk', 'application/octet-stream'), body: payload });
}

/** Frames the final event. */
export function invokeCompleteMessage(complete: InvokeComplete): Uint8Array {
  return codec.encode({
    headers: eventHeaders('InvokeComplete', 'application/json'),
    body: fromUtf8(JSON.stringify(complete)),
  });
}

export class ResponseSizeExceeded extends Error {
  constructor(readonly limit: number) {
    super(`Response payload size exceeded maximum allowed payload size (${limit} bytes).`);
    this.name = 'Function.ResponseSizeTooLarge';
  }
}

/**
 * The response stream a streaming handler writes to: every write becomes a `PayloadChunk` event on the
 * HTTP response, and a write completes only when the HTTP response has taken it (so a slow client holds
 * the handler back, as Lambda's own stream does). When the client disconnects the stream is destroyed,
 * which the handler sees as 'close'/'error'. Past `limitBytes` of payload it fails, as Lambda cuts a
 * streamed response at its size limit.
 */
export function createPayloadStream(response: ServerResponse, limitBytes: number): Writable {
  let sent = 0;
  const stream = new Writable({
    highWaterMark: 64 * 1024,
    write(chunk: Buffer, _encoding, callback) {
      if (response.destroyed) {
        callback(new Error('the client closed the connection'));
        return;
      }
      sent += chunk.length;
      if (sent > limitBytes) {
        callback(new ResponseSizeExceeded(limitBytes));
        return;
      }
      if (response.write(payloadChunkMessage(chunk))) {
        callback();
        return;
      }
      const onDrain = (): void => {
        response.off('close', onClose);
        callback();
      };
      const onClose = (): void => {
        response.off('drain', onDrain);
        callback(new Error('the client closed the connection'));
      };
      response.once('drain', onDrain);
      response.once('close', onClose);
    },
  });
  response.once('close', () => {
    if (!response.writableFinished && !stream.destroyed) {
      stream.destroy(new Error('the client closed the connection'));
    }
  });
  return stream;
}
