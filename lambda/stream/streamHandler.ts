import type { Writable } from 'node:stream';
import {
  DbqError,
  EXPORT_COMPRESSIONS,
  parseRequest,
  type ExportCompression,
  type ExportRequest,
} from '../../shared/protocol/index.js';
import { AuditTrail } from '../auditTrail.js';
import { identify, peek, toDbqError, type LambdaContext, type QueryHandler } from '../createHandler.js';
import type { Runtime } from '../runtime.js';
import { exportStatement } from './exportStatement.js';
import { RowStreamWriter } from './rowStreamWriter.js';

/**
 * A handler for Lambda response streaming: what `awslambda.streamifyResponse` wraps in the real runtime,
 * and what the local Invoke endpoint calls for `InvokeWithResponseStream`. It writes its answer to
 * `response` and ends it.
 */
export type StreamingHandler = (event: unknown, response: Writable, context: LambdaContext) => Promise<void>;

function isExport(event: unknown): boolean {
  return typeof event === 'object' && event !== null && (event as { op?: unknown }).op === 'export';
}

/** The codec the caller asked for, read before validation so even a refusal is in a form it can read. */
function requestedCompression(event: unknown): ExportCompression {
  const options = (event as { options?: unknown }).options;
  const asked =
    typeof options === 'object' && options !== null
      ? (options as { compression?: unknown }).compression
      : undefined;
  return EXPORT_COMPRESSIONS.find((codec) => codec === asked) ?? 'br';
}

function requestedLevel(event: unknown): number | undefined {
  const options = (event as { options?: unknown }).options;
  if (typeof options !== 'object' || options === null) return undefined;
  const level = (options as { compressionLevel?: unknown }).compressionLevel;
  return Number.isInteger(level) && (level as number) >= 0 && (level as number) <= 11
    ? (level as number)
    : undefined;
}

async function writeJson(response: Writable, value: unknown): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    response.once('error', reject);
    response.end(JSON.stringify(value), () => resolve());
  });
}

/**
 * The streaming entry point. `export` runs through the same steps as every other operation — validate,
 * identify, classify, audit intent, run, audit outcome — and answers with the row stream; any other
 * operation is answered by the plain handler, its JSON response written whole (so one function deployed
 * with this entry also serves plain `Invoke`, which AWS answers with the buffered stream).
 *
 * When the client goes away the response stream closes: the export stops reading the cursor, rolls back,
 * and the outcome is audited as `CANCELLED`.
 */
export function createStreamHandler(runtime: Runtime, plain: QueryHandler): StreamingHandler {
  return async (event, response, context) => {
    if (!isExport(event)) {
      await writeJson(response, await plain(event, context));
      return;
    }
    const trail = new AuditTrail(runtime.audit, context.awsRequestId);
    const peeked = peek(event);
    trail.learn({ clientRequestId: peeked.requestId, op: 'export' });
    if (peeked.sql !== null) trail.setSql(peeked.sql);
    const abort = new AbortController();
    const onGone = (): void => {
      if (!response.writableFinished) abort.abort();
    };
    response.on('close', onGone);
    response.on('error', onGone);
    const writer = new RowStreamWriter(
      response,
      requestedCompression(event),
      requestedLevel(event),
      abort.signal,
    );
    try {
      await runtime.cursors.sweep(Date.now());
      const request = parseRequest(event) as ExportRequest;
      const caller = await identify(runtime, trail, request);
      const result = await exportStatement(runtime, trail, caller, request, writer, {
        remainingMs: () => context.getRemainingTimeInMillis(),
        signal: abort.signal,
      });
      trail.succeed({
        rowCount: result.rows,
        rowsSoFar: result.rowOffset + result.rows,
        more: result.next !== null,
        readOnly: true,
      });
    } catch (error) {
      const mapped = abort.signal.aborted
        ? new DbqError('CANCELLED', 'the client closed the export stream; the statement was stopped')
        : toDbqError(error);
      trail.fail(mapped);
      if (abort.signal.aborted) writer.destroy();
      else await writer.fail(mapped).catch(() => writer.destroy());
    } finally {
      response.off('close', onGone);
      response.off('error', onGone);
    }
  };
}
