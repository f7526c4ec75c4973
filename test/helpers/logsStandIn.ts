import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LogEvent {
  timestamp: number;
  message: string;
  logStreamName?: string;
}

export interface LogsStandIn {
  readonly url: string;
  /** The FilterLogEvents requests received, as parsed JSON. */
  readonly requests: Record<string, unknown>[];
  close(): Promise<void>;
}

/**
 * Evaluates the JSON filter patterns dbq sends: `{ $.a = "x" }` and conjunctions of such terms joined
 * by `&&`, each optionally in parentheses. Anything else is refused as CloudWatch refuses a bad pattern.
 */
function compilePattern(pattern: string): ((message: string) => boolean) | null {
  const body = /^\{\s*(.*?)\s*\}$/.exec(pattern)?.[1];
  if (body === undefined) return null;
  const terms: [string, string][] = [];
  for (const part of body.split('&&')) {
    const term = /^\s*\(?\s*\$\.([A-Za-z]+)\s*=\s*"([^"]*)"\s*\)?\s*$/.exec(part);
    if (!term) return null;
    terms.push([term[1] ?? '', term[2] ?? '']);
  }
  return (message) => {
    let json: unknown;
    try {
      json = JSON.parse(message);
    } catch {
      return false;
    }
    if (typeof json !== 'object' || json === null) return false;
    const record = json as Record<string, unknown>;
    return terms.every(([field, value]) => record[field] === value);
  };
}

function reply(response: ServerResponse, status: number, body: unknown, errorType?: string): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'Content-Type': 'application/x-amz-json-1.1',
    'Content-Length': Buffer.byteLength(text),
    'x-amzn-RequestId': randomUUID(),
    ...(errorType ? { 'x-amzn-ErrorType': errorType } : {}),
  });
  response.end(text);
}

function readJson(request: IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>);
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
    request.on('error', reject);
  });
}

/**
 * A local CloudWatch Logs that answers `Logs_20140328.FilterLogEvents` (awsJson1.1) over the log groups it
 * holds, a few events per page so that clients must follow `nextToken`.
 */
export async function startLogsStandIn(
  groups: Record<string, LogEvent[]>,
  options: { pageSize?: number } = {},
): Promise<LogsStandIn> {
  const pageSize = options.pageSize ?? 3;
  const requests: Record<string, unknown>[] = [];
  const server = createServer((request, response) => {
    void (async () => {
      const target = request.headers['x-amz-target'];
      const authorization = request.headers.authorization ?? '';
      if (request.method !== 'POST' || target !== 'Logs_20140328.FilterLogEvents') {
        reply(response, 400, {
          __type: 'UnknownOperationException',
          message: `unsupported ${String(target)}`,
        });
        return;
      }
      if (
        !authorization.startsWith('AWS4-HMAC-SHA256 Credential=') ||
        !authorization.includes('/logs/aws4_request')
      ) {
        reply(
          response,
          400,
          { __type: 'MissingAuthenticationTokenException', message: 'unsigned request' },
          'MissingAuthenticationTokenException',
        );
        return;
      }
      const input = await readJson(request);
      requests.push(input);
      const events = groups[String(input.logGroupName)];
      if (!events) {
        reply(
          response,
          400,
          { __type: 'ResourceNotFoundException', message: 'The specified log group does not exist.' },
          'ResourceNotFoundException',
        );
        return;
      }
      const matches =
        typeof input.filterPattern === 'string' ? compilePattern(input.filterPattern) : () => true;
      if (!matches) {
        reply(
          response,
          400,
          { __type: 'InvalidParameterException', message: 'Invalid filter pattern' },
          'InvalidParameterException',
        );
        return;
      }
      const start = typeof input.startTime === 'number' ? input.startTime : 0;
      const selected = events.filter((event) => event.timestamp >= start && matches(event.message));
      const offset =
        typeof input.nextToken === 'string' ? Number(Buffer.from(input.nextToken, 'base64').toString()) : 0;
      const limit = Math.min(pageSize, typeof input.limit === 'number' ? input.limit : pageSize);
      const page = selected.slice(offset, offset + limit);
      const next = offset + page.length;
      reply(response, 200, {
        events: page.map((event, index) => ({
          logStreamName: event.logStreamName ?? '2024/01/01/[$LATEST]0123456789abcdef',
          timestamp: event.timestamp,
          message: event.message,
          ingestionTime: event.timestamp + 5,
          eventId: String(offset + index),
        })),
        searchedLogStreams: [],
        ...(next < selected.length ? { nextToken: Buffer.from(String(next)).toString('base64') } : {}),
      });
    })().catch((error: unknown) =>
      reply(response, 500, { __type: 'ServiceUnavailableException', message: String(error) }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
