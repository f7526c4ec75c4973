import type { Request, Role } from '../../shared/protocol/index.js';

/**
 * Who is asking, as proven to the function. The local verifier also fixes the role (given on the command
 * line); a principal proven by STS gets its role from the target's role map.
 */
export type VerifiedIdentity =
  | { kind: 'local'; principal: string; role: Role }
  | {
      kind: 'aws';
      /** The ARN STS answered with (an assumed role keeps its session name), as it goes in the audit. */
      principal: string;
    };

/** Proves the caller's identity from a request; rejects with an `AUTH` DbqError when it cannot. */
export interface IdentityVerifier {
  readonly mode: 'local' | 'sts';
  verify(request: Request): Promise<VerifiedIdentity>;
}
