import { z } from 'zod';

/**
 * The identity proof a request carries: a presigned `sts:GetCallerIdentity` request that the query
 * function sends to its own STS endpoint. Only the query string travels; the function rebuilds the rest
 * (method, host, path, the binding header) itself, so the client never chooses where the proof goes.
 */
export const IDENTITY_PROOF_TYPE = 'aws-sts-get-caller-identity';

/** The signed header that binds a proof to one request. */
export const BINDING_HEADER = 'x-dbq-binding';

/** The headers a proof signs, in SigV4's canonical (sorted) order. */
export const PROOF_SIGNED_HEADERS = `host;${BINDING_HEADER}`;

/**
 * Long enough for a presigned query with a session token (Identity Center tokens run to a few KiB), short
 * enough that nothing else fits in it.
 */
export const MAX_PROOF_QUERY_LENGTH = 16 * 1024;

export const IdentityProofSchema = z.strictObject({
  type: z.literal(IDENTITY_PROOF_TYPE),
  /**
   * The presigned request's query string, percent-encoded as SigV4 canonicalises it (RFC 3986 unreserved
   * characters stay as they are, everything else is `%XX`).
   */
  query: z
    .string()
    .min(1)
    .max(MAX_PROOF_QUERY_LENGTH)
    .regex(/^[A-Za-z0-9\-._~%=&]+$/, 'a percent-encoded query string'),
  /**
   * The binding the client signed (SHA-256 hex of `bindingMessage`). The function recomputes it from the
   * request it verifies; this copy only lets it say "bound to another request" instead of "bad signature".
   */
  binding: z.string().regex(/^[0-9a-f]{64}$/, '64 lowercase hex digits'),
});

export type IdentityProof = z.infer<typeof IdentityProofSchema>;

/** What a binding covers: the request's operation, id, target and its SQL or cursor. */
export interface BindableRequest {
  op: string;
  requestId: string;
  target?: string | undefined;
  sql?: string | undefined;
  cursor?: string | undefined;
}

/**
 * The text whose SHA-256 is the binding header. A JSON array so that no two different requests share a
 * text (`target` "a" with SQL "b,c" differs from target "a,b" with SQL "c"). The target is the request's
 * own field (absent when the function's default target is meant), not the name it resolves to.
 */
export function bindingMessage(request: BindableRequest): string {
  const subject = request.sql ?? request.cursor ?? null;
  return JSON.stringify(['dbq-binding/1', request.op, request.requestId, request.target ?? null, subject]);
}
