import {
  InvokeCommand,
  LambdaClient,
  LambdaServiceException,
  TooManyRequestsException,
  type LambdaClientConfig,
} from '@aws-sdk/client-lambda';
import { DbqError, parseResponse, type Request, type Result } from '../../shared/protocol/index.js';
import type { QueryTransport } from './transport.js';

/** Lambda's synchronous request limit. */
export const INVOKE_REQUEST_LIMIT = 6 * 1024 * 1024;

export interface LambdaTarget {
  region: string;
  /** Function name, ARN or alias ARN. */
  functionName: string;
  /** A custom endpoint (the local Invoke endpoint, a stand-in); the SDK's own resolution otherwise. */
  endpoint?: string;
  credentials?: LambdaClientConfig['credentials'];
  /** Throttled invocations are retried this many times with exponential backoff. */
  maxThrottleRetries?: number;
}

const LOCAL_CREDENTIALS = { accessKeyId: 'dbq-local', secretAccessKey: 'dbq-local' };

function isLoopback(endpoint: string): boolean {
  try {
    const host = new URL(endpoint).hostname;
    return host === 'localhost' || host === '[::1]' || host.startsWith('127.');
  } catch {
    return false;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function isThrottle(error: unknown): boolean {
  return (
    error instanceof TooManyRequestsException ||
    (error instanceof LambdaServiceException && error.$metadata.httpStatusCode === 429)
  );
}

/** Turns what the SDK throws into a DbqError with a clear message. */
export function fromSdkError(error: unknown, where: string): DbqError {
  if (error instanceof DbqError) return error;
  if (error instanceof LambdaServiceException) {
    switch (error.name) {
      case 'RequestTooLargeException':
        return new DbqError('TOO_LARGE', `the request is over Lambda's 6 MB limit: ${error.message}`);
      case 'ResourceNotFoundException':
        return new DbqError('CONNECTION', `no query function ${where}: ${error.message}`);
      case 'AccessDeniedException':
      case 'UnrecognizedClientException':
      case 'InvalidSignatureException':
      case 'ExpiredTokenException':
        return new DbqError('AUTH', `AWS refused the invocation of ${where}: ${error.message}`);
      case 'TooManyRequestsException':
        return new DbqError('CONNECTION', `the query function is throttled: ${error.message}`, {
          retryable: true,
        });
      default:
        return new DbqError('CONNECTION', `invoking ${where} failed: ${error.name}: ${error.message}`);
    }
  }
  if (error instanceof Error) {
    if (error.name === 'CredentialsProviderError') {
      return new DbqError('AUTH', `no AWS credentials: ${error.message} (run dbq login)`);
    }
    const code = (error as { code?: unknown }).code;
    const reason = typeof code === 'string' ? `${code}: ${error.message}` : error.message;
    return new DbqError('CONNECTION', `cannot reach the query function ${where}: ${reason}`, {
      retryable: true,
    });
  }
  return new DbqError('INTERNAL', String(error));
}

/** Reads a function error payload (`{errorType, errorMessage}`) into a DbqError. */
function fromFunctionError(payload: string, where: string): DbqError {
  let errorType = 'Unhandled';
  let errorMessage = payload.slice(0, 500);
  try {
    const parsed = JSON.parse(payload) as { errorType?: unknown; errorMessage?: unknown };
    if (typeof parsed.errorType === 'string') errorType = parsed.errorType;
    if (typeof parsed.errorMessage === 'string') errorMessage = parsed.errorMessage;
  } catch {
    // not JSON: keep the raw text
  }
  if (errorType === 'Function.ResponseSizeTooLarge') {
    return new DbqError(
      'TOO_LARGE',
      `the result page was over Lambda's 6 MB response limit; use a smaller --page-size`,
    );
  }
  if (errorType === 'Sandbox.Timedout') {
    return new DbqError('TIMEOUT', `the query function timed out: ${errorMessage}`);
  }
  return new DbqError('INTERNAL', `the query function ${where} failed: ${errorType}: ${errorMessage}`);
}

/** The SDK client for a target: never retrying by itself, with dummy credentials for loopback endpoints. */
export function createLambdaClient(target: LambdaTarget): LambdaClient {
  const credentials =
    target.credentials ?? (target.endpoint && isLoopback(target.endpoint) ? LOCAL_CREDENTIALS : undefined);
  return new LambdaClient({
    region: target.region,
    maxAttempts: 1,
    ...(target.endpoint ? { endpoint: target.endpoint } : {}),
    ...(credentials ? { credentials } : {}),
    requestHandler: { connectionTimeout: 10_000 },
  });
}

/**
 * The Lambda Invoke transport: the real AWS SDK client, pointed at AWS or at a custom endpoint. The SDK
 * itself never retries (an invocation may have run a write); only throttling, which AWS refuses before
 * running anything, is retried here.
 */
export class LambdaTransport implements QueryTransport {
  readonly description: string;
  private readonly client: LambdaClient;
  private readonly decoder = new TextDecoder();

  /** @param target also read by the export stream client, which invokes the same function. */
  constructor(readonly target: LambdaTarget) {
    this.client = createLambdaClient(target);
    this.description = target.endpoint ? `${target.functionName} at ${target.endpoint}` : target.functionName;
  }

  async send(request: Request): Promise<Result> {
    const body = JSON.stringify(request);
    const size = Buffer.byteLength(body);
    if (size > INVOKE_REQUEST_LIMIT) {
      throw new DbqError('TOO_LARGE', `the statement is ${size} bytes; Lambda accepts requests up to 6 MB`);
    }
    const payload = Buffer.from(body, 'utf8');
    const retries = this.target.maxThrottleRetries ?? 5;
    for (let attempt = 0; ; attempt += 1) {
      try {
        const output = await this.client.send(
          new InvokeCommand({ FunctionName: this.target.functionName, Payload: payload }),
        );
        const text = output.Payload ? this.decoder.decode(output.Payload) : '';
        if (output.FunctionError) throw fromFunctionError(text, this.description);
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          throw new DbqError(
            'INTERNAL',
            `the query function answered with something that is not JSON: ${text.slice(0, 200)}`,
          );
        }
        const response = parseResponse(json);
        if (!response.ok) throw DbqError.fromWire(response.error);
        return response.result;
      } catch (error) {
        if (isThrottle(error) && attempt < retries) {
          await sleep(Math.min(5_000, 100 * 2 ** attempt) * (0.5 + Math.random() / 2));
          continue;
        }
        throw fromSdkError(error, this.description);
      }
    }
  }

  close(): void {
    this.client.destroy();
  }
}
