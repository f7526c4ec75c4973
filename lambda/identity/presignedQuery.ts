import { PROOF_SIGNED_HEADERS } from '../../shared/protocol/index.js';
import { authError } from './authError.js';

/** The query parameters a proof may carry; each exactly once, the token only with temporary credentials. */
const REQUIRED_KEYS = [
  'Action',
  'Version',
  'X-Amz-Algorithm',
  'X-Amz-Credential',
  'X-Amz-Date',
  'X-Amz-Expires',
  'X-Amz-SignedHeaders',
  'X-Amz-Signature',
] as const;
const TOKEN_KEY = 'X-Amz-Security-Token';
const ALLOWED_KEYS: ReadonlySet<string> = new Set<string>([...REQUIRED_KEYS, TOKEN_KEY]);

/** STS caps presigned requests at 15 minutes of validity; a fresh proof per request needs far less. */
export const MAX_EXPIRES_SECONDS = 900;

/** A proof whose query passed every local check, ready to be sent to STS. */
export interface CheckedProof {
  /** The decoded parameters, in a fixed order; the function re-encodes them itself. */
  params: ReadonlyMap<string, string>;
  signature: string;
  /** When the proof stops being valid (ms since the epoch), for the replay guard. */
  expiresAt: number;
}

export interface ProofPolicy {
  /** The region proofs must be signed for (the function's). */
  region: string;
  maxSkewSeconds: number;
  /** The function's clock, ms since the epoch. */
  now: number;
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw authError('the proof query string is not valid percent-encoding');
  }
}

/**
 * Splits a query string strictly: `&`-separated `key=value` pairs, only known keys, each exactly once
 * (a repeated key is how CVE-2022-2385 made the verifier and STS read different identities). Keys are
 * compared after decoding, so `%41ction` repeats `Action`.
 */
function parseQuery(query: string): Map<string, string> {
  const params = new Map<string, string>();
  for (const pair of query.split('&')) {
    const equals = pair.indexOf('=');
    if (equals <= 0) throw authError('the proof query string is malformed (every part must be key=value)');
    const key = decode(pair.slice(0, equals));
    if (!ALLOWED_KEYS.has(key)) {
      throw authError(
        'the proof carries an unexpected query parameter (only Action, Version and the X-Amz-* signing parameters of a presigned GetCallerIdentity are accepted)',
      );
    }
    if (params.has(key)) throw authError(`the proof repeats the query parameter ${key}`);
    params.set(key, decode(pair.slice(equals + 1)));
  }
  for (const key of REQUIRED_KEYS) {
    if (!params.has(key)) throw authError(`the proof lacks the query parameter ${key}`);
  }
  return params;
}

function required(params: Map<string, string>, key: (typeof REQUIRED_KEYS)[number]): string {
  return params.get(key) ?? '';
}

/** Parses SigV4's `YYYYMMDDTHHMMSSZ`; NaN when it is not a real instant. */
function parseAmzDate(text: string): number {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (!match) return Number.NaN;
  const [, y, mo, d, h, mi, s] = match.map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  const back = new Date(ms);
  // Date.UTC rolls 20240230 over to March; a real timestamp reads back the same.
  return back.getUTCDate() === d && back.getUTCMonth() === mo - 1 && h < 24 && mi < 60 && s < 60
    ? ms
    : Number.NaN;
}

function checkTime(signedAt: number, expiresSeconds: number, policy: ProofPolicy): void {
  const ageSeconds = Math.round((policy.now - signedAt) / 1000);
  const clock = new Date(policy.now).toISOString().replace(/\.\d{3}Z$/, 'Z');
  if (ageSeconds < -policy.maxSkewSeconds) {
    throw authError(
      `the proof was signed ${-ageSeconds} s in the future by the function's clock (${clock}); at most ${policy.maxSkewSeconds} s of clock skew is accepted: set your computer's clock right`,
    );
  }
  if (ageSeconds > expiresSeconds) {
    throw authError(
      `the proof expired: it was signed ${ageSeconds} s ago and was valid for ${expiresSeconds} s (the function's clock reads ${clock}; check your computer's clock if you just made it)`,
    );
  }
  if (ageSeconds > policy.maxSkewSeconds) {
    throw authError(
      `the proof was signed ${ageSeconds} s ago by the function's clock (${clock}); at most ${policy.maxSkewSeconds} s is accepted: set your computer's clock right`,
    );
  }
}

/**
 * Every check that needs no network: the parameter set, `Action=GetCallerIdentity`, the version and
 * algorithm, a credential scope for STS in this function's region, the binding header among exactly the
 * signed headers the function sends, and the signing time window. Throws an `AUTH` DbqError.
 */
export function checkProofQuery(query: string, policy: ProofPolicy): CheckedProof {
  const params = parseQuery(query);
  if (required(params, 'Action') !== 'GetCallerIdentity') {
    throw authError('the proof is for another STS action; only GetCallerIdentity proves an identity');
  }
  if (required(params, 'Version') !== '2011-06-15') {
    throw authError('the proof names an STS API version other than 2011-06-15');
  }
  if (required(params, 'X-Amz-Algorithm') !== 'AWS4-HMAC-SHA256') {
    throw authError('the proof is not signed with AWS4-HMAC-SHA256');
  }
  const signedHeaders = required(params, 'X-Amz-SignedHeaders');
  if (!signedHeaders.split(';').includes('x-dbq-binding')) {
    throw authError(
      'the binding header x-dbq-binding is not among the signed headers, so the proof is not tied to this request',
    );
  }
  if (signedHeaders !== PROOF_SIGNED_HEADERS) {
    throw authError(`the proof must sign exactly the headers ${PROOF_SIGNED_HEADERS}`);
  }
  const signature = required(params, 'X-Amz-Signature');
  if (!/^[0-9a-f]{64}$/.test(signature)) throw authError('the proof signature is malformed');
  const token = params.get(TOKEN_KEY);
  if (token !== undefined && !/^[A-Za-z0-9+/=_-]{1,8192}$/.test(token)) {
    throw authError('the proof session token is malformed');
  }
  const amzDate = required(params, 'X-Amz-Date');
  const signedAt = parseAmzDate(amzDate);
  if (Number.isNaN(signedAt)) throw authError('the proof signing time (X-Amz-Date) is malformed');
  const credential = /^[A-Z0-9]{16,128}\/(\d{8})\/([a-z0-9-]{1,32})\/([a-z0-9-]{1,32})\/aws4_request$/.exec(
    required(params, 'X-Amz-Credential'),
  );
  if (!credential) throw authError('the proof credential scope is malformed');
  const [, scopeDate, scopeRegion, scopeService] = credential;
  if (scopeService !== 'sts') throw authError('the proof is signed for another AWS service than STS');
  if (scopeDate !== amzDate.slice(0, 8)) {
    throw authError('the proof credential scope date differs from its signing date');
  }
  if (scopeRegion !== policy.region) {
    throw authError(
      `the proof is signed for region ${scopeRegion ?? '?'}, and this function verifies identities in ${policy.region}: connect with --region ${policy.region}`,
    );
  }
  const expires = required(params, 'X-Amz-Expires');
  if (!/^[1-9]\d{0,5}$/.test(expires) || Number(expires) > MAX_EXPIRES_SECONDS) {
    throw authError(`the proof validity (X-Amz-Expires) must be 1 to ${MAX_EXPIRES_SECONDS} seconds`);
  }
  const expiresSeconds = Number(expires);
  checkTime(signedAt, expiresSeconds, policy);
  const ordered = new Map<string, string>();
  for (const key of [...REQUIRED_KEYS, TOKEN_KEY]) {
    const value = params.get(key);
    if (value !== undefined) ordered.set(key, value);
  }
  return { params: ordered, signature, expiresAt: signedAt + expiresSeconds * 1000 };
}

/** RFC 3986 encoding, as SigV4 canonicalises query strings. */
export function encodeRfc3986(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** The function's own serialisation of a checked query: what it sends to STS. */
export function encodeQuery(params: ReadonlyMap<string, string>): string {
  return [...params].map(([key, value]) => `${encodeRfc3986(key)}=${encodeRfc3986(value)}`).join('&');
}
