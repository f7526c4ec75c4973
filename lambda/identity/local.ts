import type { LocalIdentity } from '../config.js';
import type { IdentityVerifier } from './verifier.js';

/**
 * Local mode's verifier: the identity is the OS user who started `dbq local`, with the role given on the
 * command line. It trusts nothing in the request (an identity proof is ignored), and the deployed function
 * refuses to run with it.
 */
export function localIdentityVerifier(identity: LocalIdentity): IdentityVerifier {
  return {
    mode: 'local',
    verify: () => Promise.resolve({ kind: 'local', principal: identity.principal, role: identity.role }),
  };
}
