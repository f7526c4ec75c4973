import { createHash } from 'node:crypto';
import { authError } from './authError.js';

/**
 * Refuses a proof this function instance has already accepted, while it is still valid. Best effort:
 * another instance has its own memory, so the signing window stays the real bound on a replay. It keeps
 * hashes of signatures only, and never lets a proof stand in for another request: it can only refuse.
 */
export class ReplayGuard {
  private readonly spent = new Map<string, number>();

  constructor(private readonly capacity = 10_000) {}

  private key(signature: string): string {
    return createHash('sha256').update(signature).digest('base64');
  }

  /** Marks a proof as used; throws AUTH when it already was. */
  claim(signature: string, expiresAt: number, now: number): void {
    const key = this.key(signature);
    const until = this.spent.get(key);
    if (until !== undefined && until >= now) {
      throw authError('this proof was already used; every request carries a fresh one');
    }
    if (this.spent.size >= this.capacity) this.sweep(now);
    this.spent.set(key, expiresAt);
  }

  /** Forgets a claim whose verification failed, so that it does not count as spent. */
  release(signature: string): void {
    this.spent.delete(this.key(signature));
  }

  private sweep(now: number): void {
    for (const [key, until] of this.spent) if (until < now) this.spent.delete(key);
    // Still full of live proofs: drop the oldest (Maps iterate in insertion order).
    for (const key of this.spent.keys()) {
      if (this.spent.size < this.capacity) break;
      this.spent.delete(key);
    }
  }
}
