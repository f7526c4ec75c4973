import type { Request, Role } from '../../shared/protocol/index.js';

/** Who is asking, as proven to the function, and the role their principal maps to (null: no role). */
export interface VerifiedIdentity {
  principal: string;
  role: Role | null;
}

/** Proves the caller's identity from a request; rejects with an `AUTH` DbqError when it cannot. */
export interface IdentityVerifier {
  readonly mode: 'local';
  verify(request: Request, target: string): Promise<VerifiedIdentity>;
}
