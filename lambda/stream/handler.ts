import { deployedRuntime, handler as plainHandler } from '../handler.js';
import { createStreamHandler, type StreamingHandler } from './streamHandler.js';

/** The part of the Lambda Node.js runtime's `awslambda` global this entry uses. */
interface AwsLambdaGlobal {
  streamifyResponse(handler: StreamingHandler): unknown;
}

/** Defined by the Lambda runtime only; elsewhere (tests, tools) the plain streaming function is exported. */
const awslambda = (globalThis as { awslambda?: AwsLambdaGlobal }).awslambda;

let cached: StreamingHandler | undefined;

const streaming: StreamingHandler = (event, response, context) => {
  cached ??= createStreamHandler(deployedRuntime(), plainHandler);
  // The runtime's response stream carries a content type; the local endpoint's has none.
  (response as { setContentType?: (type: string) => void }).setContentType?.('application/octet-stream');
  return cached(event, response, context);
};

/**
 * The AWS Lambda entry point for response streaming (`InvokeWithResponseStream`), wrapped with
 * `awslambda.streamifyResponse` as the runtime requires: the wrap must happen when the module loads,
 * because the runtime inspects the exported handler. It answers `export` with the row stream and every
 * other operation as the plain entry point does, sharing that entry's runtime (engines, sessions, cursors).
 */
export const handler: unknown = awslambda ? awslambda.streamifyResponse(streaming) : streaming;
