import { fromEnv, fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { IdentityProver, type CredentialSource } from './prover.js';

export interface EndpointIdentity {
  /** Credentials for the Invoke call itself; absent on loopback, where the transport signs with dummies. */
  credentials?: CredentialSource;
  /** Proves the caller's identity on each request; absent when there is nothing to prove it with. */
  prover?: IdentityProver;
}

function isLoopback(url: URL): boolean {
  return url.hostname === 'localhost' || url.hostname === '[::1]' || url.hostname.startsWith('127.');
}

/**
 * AWS identity for an `--endpoint` target. A remote endpoint is a real function: the SDK's default
 * credential chain signs both the Invoke call and the identity proof (one provider, so both name the same
 * principal). A loopback endpoint is usually `dbq local`, whose verifier ignores proofs: a proof is added
 * only when static credentials are in the environment (`AWS_ACCESS_KEY_ID`), so that local use never waits
 * on a credential lookup and works without any AWS setup.
 */
export function identityForEndpoint(
  endpoint: URL,
  region: string,
  env: NodeJS.ProcessEnv = process.env,
): EndpointIdentity {
  if (isLoopback(endpoint)) {
    if (!env.AWS_ACCESS_KEY_ID || !env.AWS_SECRET_ACCESS_KEY) return {};
    return { prover: new IdentityProver({ credentials: fromEnv(), region }) };
  }
  const credentials = fromNodeProviderChain();
  return { credentials, prover: new IdentityProver({ credentials, region }) };
}
