import { randomBytes } from 'node:crypto';
import type { Column, EngineName, Role } from '../shared/protocol/index.js';
import type { EngineConnection } from './engines/types.js';
import type { RowReader } from './paging.js';

/** A read whose transaction stays open between fetches, so pages come from one snapshot. */
export interface HeldCursor {
  id: string;
  principal: string;
  target: string;
  role: Role;
  engine: EngineName;
  database: string;
  connection: EngineConnection;
  reader: RowReader;
  columns: Column[];
  command: string | null;
  statementAuditId: string;
  sql: string;
  sqlSha256: string;
  expiresAt: number;
}

export type CursorCloser = (cursor: HeldCursor) => Promise<void>;

/**
 * Open cursors of this function instance. Ids are random and bound to the principal and target that
 * opened them; a cursor is checked out while a fetch uses it, so two fetches never share one.
 */
export class CursorRegistry {
  private readonly cursors = new Map<string, HeldCursor>();

  constructor(
    private readonly idleMs: number,
    private readonly max: number,
    private readonly closeCursor: CursorCloser,
  ) {}

  static newId(): string {
    return randomBytes(24).toString('base64url');
  }

  get size(): number {
    return this.cursors.size;
  }

  /** Keeps a cursor for later fetches, closing expired ones and the oldest beyond the limit. */
  async hold(cursor: HeldCursor, now: number): Promise<void> {
    cursor.expiresAt = now + this.idleMs;
    this.cursors.set(cursor.id, cursor);
    await this.sweep(now);
    while (this.cursors.size > this.max) {
      if (!(await this.evictOldest())) break;
    }
  }

  /** Takes a cursor out for a fetch; undefined when it is unknown, expired or someone else's. */
  checkout(id: string, principal: string, target: string, now: number): HeldCursor | undefined {
    const cursor = this.cursors.get(id);
    if (!cursor || cursor.principal !== principal || cursor.target !== target || cursor.expiresAt <= now) {
      return undefined;
    }
    this.cursors.delete(id);
    return cursor;
  }

  async sweep(now: number): Promise<void> {
    const expired = [...this.cursors.values()].filter((cursor) => cursor.expiresAt <= now);
    for (const cursor of expired) {
      this.cursors.delete(cursor.id);
      await this.closeCursor(cursor);
    }
  }

  /** Closes the least recently used cursor (of one target); false when there is none. */
  async evictOldest(target?: string): Promise<boolean> {
    let oldest: HeldCursor | undefined;
    for (const cursor of this.cursors.values()) {
      if (target !== undefined && cursor.target !== target) continue;
      if (!oldest || cursor.expiresAt < oldest.expiresAt) oldest = cursor;
    }
    if (!oldest) return false;
    this.cursors.delete(oldest.id);
    await this.closeCursor(oldest);
    return true;
  }

  async closeAll(): Promise<void> {
    const all = [...this.cursors.values()];
    this.cursors.clear();
    for (const cursor of all) await this.closeCursor(cursor);
  }
}
