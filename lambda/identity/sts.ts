import { createHash } from 'node:crypto';
import { BINDING_HEADER, bindingMessage, type Request } from '../../shared/protocol/index.js';
import type { StsIdentity } from '../config.js';
import { authError } from './authError.js';
import { checkProofQuery, encodeQuery } from './presignedQuery.js';
import { ReplayGuard } from './replayGuard.js';
import { parseCallerIdentity, parseStsErrorCode } from './stsResponse.js';
import type { IdentityVerifier, VerifiedIdentity } from './verifier.js';

/** An identity answer is a few hundred bytes; anything much larger is not one. */
const MAX_STS_BODY_BYTES = 64 * 1024;

/** STS's regional endpoint for a region (China's partition has its own domain). */
export function defaultStsEndpoint(region: string): string {
  return `https://sts.${region}.amazonaws.com${region.startsWith('cn-') ? '.cn' : ''}`;
}

/** SHA-256 hex of a request's binding message: the value of the binding header. */
export function requestBinding(request: Request): string {
  return createHash('sha256').update(bindingMessage(request), 'utf8').digest('hex');
}

async function readCapped(response: Response): Promise<string> {
  const reader = (response.body as ReadableStream<Uint8Array> | null)?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_STS_BODY_BYTES) {
      await reader.cancel();
      throw authError(`STS answered with more than ${MAX_STS_BODY_BYTES} bytes, which is not an identity`);
    }
    chunks.push(value);
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks));
  } catch {
    throw authError("STS's answer is not UTF-8 text");
  }
}

function refusal(status: number, code: string | null, host: string): string {
  switch (code) {
    case 'SignatureDoesNotMatch':
      return `STS found the signature invalid (SignatureDoesNotMatch): the proof was signed with another secret key, for another request, or for another STS endpoint than this function's (${host})`;
    case 'InvalidClientTokenId':
      return 'STS does not recognise the access key or session token (InvalidClientTokenId): your AWS credentials are not valid; run dbq login';
    case 'ExpiredToken':
    case 'ExpiredTokenException':
      return 'your AWS credentials have expired (ExpiredToken): run dbq login';
    default:
      return `STS refused the proof (HTTP ${status}${code === null ? '' : `, ${code}`})`;
  }
}

export interface StsVerifierOptions {
  /** The function's clock, ms since the epoch (tests move it). */
  now?: () => number;
}

/**
 * The STS identity verifier. For each request it checks the proof's query locally (see
 * `checkProofQuery`), recomputes the binding from the request itself, then sends the presigned request to
 * its own configured STS endpoint (never a host the client names) without following redirects, with a
 * short timeout, and takes the principal ARN only from a strict reading of STS's 200 answer. Nothing is
 * cached that could let one proof vouch for another request.
 */
export function stsIdentityVerifier(config: StsIdentity, options: StsVerifierOptions = {}): IdentityVerifier {
  const endpoint = new URL(config.stsEndpoint ?? defaultStsEndpoint(config.region));
  const origin = endpoint.origin;
  const now = options.now ?? Date.now;
  const replays = new ReplayGuard();

  async function askSts(query: string, binding: string): Promise<string> {
    let response: Response;
    try {
      response = await fetch(`${origin}/?${query}`, {
        method: 'GET',
        headers: { [BINDING_HEADER]: binding },
        redirect: 'manual',
        signal: AbortSignal.timeout(config.timeoutMs),
      });
    } catch (error) {
      const name = error instanceof Error ? error.name : '';
      if (name === 'TimeoutError' || name === 'AbortError') {
        throw authError(`STS (${endpoint.host}) did not answer within ${config.timeoutMs} ms`, true);
      }
      const cause = (error as { cause?: { code?: unknown } }).cause?.code;
      throw authError(
        `cannot reach STS at ${endpoint.host}${typeof cause === 'string' ? ` (${cause})` : ''}`,
        true,
      );
    }
    const body = await readCapped(response);
    if (response.status >= 300 && response.status < 400) {
      throw authError(`STS answered with a redirect (HTTP ${response.status}), which is never followed`);
    }
    if (response.status !== 200) {
      throw authError(
        refusal(response.status, parseStsErrorCode(body), endpoint.host),
        response.status >= 500,
      );
    }
    return parseCallerIdentity(body).arn;
  }

  return {
    mode: 'sts',
    async verify(request): Promise<VerifiedIdentity> {
      const proof = request.identity;
      if (proof === undefined) {
        throw authError(
          'this function verifies callers with AWS STS and the request carries no identity proof (dbq sends one when it has AWS credentials for the target)',
        );
      }
      const checked = checkProofQuery(proof.query, {
        region: config.region,
        maxSkewSeconds: config.maxSkewSeconds,
        now: now(),
      });
      const binding = requestBinding(request);
      if (proof.binding !== binding) {
        throw authError(
          'the proof is bound to another request (its SQL or cursor, target, operation or request id differ); a proof is valid only for the request it was made for',
        );
      }
      replays.claim(checked.signature, checked.expiresAt, now());
      try {
        return { kind: 'aws', principal: await askSts(encodeQuery(checked.params), binding) };
      } catch (error) {
        replays.release(checked.signature);
        throw error;
      }
    },
  };
}
