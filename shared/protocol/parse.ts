import type { z } from 'zod';
import { DbqError } from './errors.js';
import { PROTOCOL_VERSION, RequestSchema, ResponseSchema, type Request, type Response } from './messages.js';

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(payload)'}: ${issue.message}`)
    .join('; ');
}

/**
 * A short description of a caller's `v`: never serialised whole, since a deeply nested value would
 * overflow the stack (found by the handler fuzz test) and a huge one would flood the audit log.
 */
function describeVersion(version: unknown): string {
  if (typeof version === 'number' || typeof version === 'boolean' || version === null) return String(version);
  if (typeof version === 'string') return JSON.stringify(version.slice(0, 20));
  if (version === undefined) return 'undefined';
  return Array.isArray(version) ? 'an array' : `a value of type ${typeof version}`;
}

function checkVersion(payload: unknown, what: string): void {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new DbqError('BAD_REQUEST', `${what} must be a JSON object`);
  }
  const version = (payload as { v?: unknown }).v;
  if (version !== PROTOCOL_VERSION) {
    throw new DbqError(
      'BAD_REQUEST',
      `unsupported protocol version ${describeVersion(version)}; this side speaks version ${PROTOCOL_VERSION}`,
    );
  }
}

/**
 * Validates a request payload. Anything that is not a well-formed request of this protocol version
 * becomes a `BAD_REQUEST` error naming the first offending fields; it never throws anything else.
 */
export function parseRequest(payload: unknown): Request {
  checkVersion(payload, 'request');
  const parsed = RequestSchema.safeParse(payload);
  if (!parsed.success)
    throw new DbqError('BAD_REQUEST', `malformed request: ${describeIssues(parsed.error)}`);
  return parsed.data;
}

/** Validates a response payload from the Lambda; a malformed one is an `INTERNAL` error. */
export function parseResponse(payload: unknown): Response {
  try {
    checkVersion(payload, 'response');
  } catch (error) {
    throw new DbqError(
      'INTERNAL',
      `the query function answered in an unknown format: ${(error as Error).message}`,
    );
  }
  const parsed = ResponseSchema.safeParse(payload);
  if (!parsed.success) {
    throw new DbqError(
      'INTERNAL',
      `malformed response from the query function: ${describeIssues(parsed.error)}`,
    );
  }
  return parsed.data;
}
