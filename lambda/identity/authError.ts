import { DbqError } from '../../shared/protocol/index.js';

/**
 * An identity failure. The reason is written for the honest user who hits it (clock, credentials, region)
 * and never quotes the proof: the signature, token and key stay out of messages and so out of the audit.
 */
export function authError(reason: string, retryable = false): DbqError {
  return new DbqError('AUTH', `identity not verified: ${reason}`, retryable ? { retryable: true } : {});
}
