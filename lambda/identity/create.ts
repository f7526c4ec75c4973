import type { IdentityConfig } from '../config.js';
import { localIdentityVerifier } from './local.js';
import { stsIdentityVerifier } from './sts.js';
import type { IdentityVerifier } from './verifier.js';

/** The verifier a configuration names. Whether `local` may run at all is the caller's decision. */
export function identityVerifierFor(identity: IdentityConfig): IdentityVerifier {
  return identity.mode === 'sts' ? stsIdentityVerifier(identity) : localIdentityVerifier(identity);
}
