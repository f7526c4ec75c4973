import { createHash } from 'node:crypto';
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity } from '@smithy/types';
import {
  BINDING_HEADER,
  DbqError,
  IDENTITY_PROOF_TYPE,
  bindingMessage,
  type BindableRequest,
  type IdentityProof,
} from '../../shared/protocol/index.js';
import { stsEndpointFor } from './stsEndpoint.js';

/** Static credentials, or a provider such as the SDK's default chain (the one the transport uses). */
export type CredentialSource = AwsCredentialIdentity | (() => Promise<AwsCredentialIdentity>);

/** Attaches proof of who is asking to each request. */
export interface RequestProver {
  prove(request: BindableRequest): Promise<IdentityProof>;
}

export interface IdentityProverOptions {
  credentials: CredentialSource;
  /** The query function's region: proofs are signed for its STS endpoint. */
  region: string;
  /** Defaults to `stsEndpointFor(region)`. */
  stsEndpoint?: string;
  /** How long a proof stays valid; the function also bounds its age by its clock-skew window. */
  expiresInSeconds?: number;
  /** The signing clock (tests move it). */
  now?: () => Date;
}

/** RFC 3986 encoding, as SigV4 canonicalises query strings. */
function encode(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/**
 * Proves the caller's AWS identity to the query function, request by request: a presigned
 * `sts:GetCallerIdentity` whose signed `x-dbq-binding` header is the SHA-256 of the request's target,
 * SQL (or cursor), operation and id. The function sends it to STS itself; a captured proof is worthless
 * for any other request. Credentials never leave this process: only the signature does.
 */
export class IdentityProver implements RequestProver {
  private readonly signer: SignatureV4;
  private readonly endpoint: URL;
  private readonly expiresIn: number;
  private readonly now: () => Date;

  constructor(options: IdentityProverOptions) {
    this.endpoint = new URL(options.stsEndpoint ?? stsEndpointFor(options.region));
    this.expiresIn = options.expiresInSeconds ?? 300;
    this.now = options.now ?? (() => new Date());
    this.signer = new SignatureV4({
      credentials: options.credentials,
      region: options.region,
      service: 'sts',
      sha256: Sha256,
    });
  }

  async prove(request: BindableRequest): Promise<IdentityProof> {
    const binding = createHash('sha256').update(bindingMessage(request), 'utf8').digest('hex');
    const unsigned = new HttpRequest({
      method: 'GET',
      protocol: this.endpoint.protocol,
      hostname: this.endpoint.hostname,
      ...(this.endpoint.port ? { port: Number(this.endpoint.port) } : {}),
      path: '/',
      query: { Action: 'GetCallerIdentity', Version: '2011-06-15' },
      // `host` is what STS sees for the endpoint the function sends to; both headers are signed.
      headers: { host: this.endpoint.host, [BINDING_HEADER]: binding },
    });
    let signed: HttpRequest;
    try {
      signed = (await this.signer.presign(unsigned, {
        expiresIn: this.expiresIn,
        signingDate: this.now(),
      })) as HttpRequest;
    } catch (error) {
      if (error instanceof DbqError) throw error;
      const reason = error instanceof Error ? error.message : String(error);
      throw new DbqError('AUTH', `cannot sign the identity proof: ${reason} (run dbq login)`);
    }
    const query = Object.entries(signed.query)
      .filter((entry): entry is [string, string] => typeof entry[1] === 'string')
      .map(([key, value]) => `${encode(key)}=${encode(value)}`)
      .join('&');
    return { type: IDENTITY_PROOF_TYPE, query, binding };
  }
}
