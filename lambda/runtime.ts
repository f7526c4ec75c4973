import { DbqError } from '../shared/protocol/index.js';
import type { FunctionConfig, TargetConfig } from './config.js';
import type { AuditSink } from './audit.js';
import type { Engine } from './engines/types.js';
import type { IdentityVerifier } from './identity/verifier.js';
import { ConnectionPool } from './pool.js';
import { CursorRegistry, type HeldCursor } from './cursors.js';

/** Builds the engine for a target; the deployed function and the local runner supply different sets. */
export type EngineFactory = (target: TargetConfig) => Engine;

export interface ResolvedTarget {
  name: string;
  config: TargetConfig;
  engine: Engine;
  pool: ConnectionPool;
}

/**
 * What lives as long as the function instance: engines, their session pools and the open cursors.
 * Warm invocations reuse all of it.
 */
export class Runtime {
  readonly cursors: CursorRegistry;
  private readonly targets = new Map<string, ResolvedTarget>();

  constructor(
    readonly config: FunctionConfig,
    readonly verifier: IdentityVerifier,
    readonly audit: AuditSink,
    private readonly engineFactory: EngineFactory,
  ) {
    this.cursors = new CursorRegistry(config.limits.cursorIdleMs, config.limits.maxCursors, (cursor) =>
      this.closeCursor(cursor),
    );
  }

  /** The named target, or the default one; an unknown name is the caller's mistake. */
  target(name: string | undefined): ResolvedTarget {
    const names = Object.keys(this.config.targets);
    const chosen = name ?? this.config.defaultTarget ?? (names.length === 1 ? names[0] : undefined);
    if (chosen === undefined) {
      throw new DbqError(
        'BAD_REQUEST',
        `this function serves several targets (${names.join(', ')}); name one`,
      );
    }
    const cached = this.targets.get(chosen);
    if (cached) return cached;
    const config = this.config.targets[chosen];
    if (!config)
      throw new DbqError(
        'BAD_REQUEST',
        `unknown target "${chosen}"; this function serves: ${names.join(', ')}`,
      );
    const engine = this.engineFactory(config);
    const pool = new ConnectionPool(engine, () => this.cursors.evictOldest(chosen));
    const resolved = { name: chosen, config, engine, pool };
    this.targets.set(chosen, resolved);
    return resolved;
  }

  /** Ends a held cursor's read-only transaction and returns its session to the pool. */
  async closeCursor(cursor: HeldCursor): Promise<void> {
    const target = this.targets.get(cursor.target);
    try {
      await cursor.reader.statement.close('rollback');
    } finally {
      if (target) await target.pool.release(cursor.role, cursor.connection);
    }
  }

  async shutdown(): Promise<void> {
    await this.cursors.closeAll();
    for (const target of this.targets.values()) {
      await target.pool.closeAll();
      await target.engine.shutdown();
    }
    this.targets.clear();
  }
}
