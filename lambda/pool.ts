import type { Role } from '../shared/protocol/index.js';
import type { Engine, EngineConnection } from './engines/types.js';

/**
 * Sessions of one engine, reused across warm invocations. A reused session is checked (and reset) before
 * use and replaced once when it turns out to be broken. When every session is busy, `reclaim` is asked to
 * free one (held cursors are the usual holders), and otherwise the caller waits.
 */
export class ConnectionPool {
  private readonly idle = new Map<Role, EngineConnection[]>();
  private open = 0;
  private readonly waiters: Array<() => void> = [];

  constructor(
    private readonly engine: Engine,
    private readonly reclaim: () => Promise<boolean>,
  ) {}

  async acquire(role: Role): Promise<EngineConnection> {
    for (;;) {
      const reused = this.idle.get(role)?.pop();
      if (reused) {
        try {
          await reused.ping();
          return reused;
        } catch {
          await this.discard(reused);
          continue;
        }
      }
      if (this.open < this.engine.maxConnections) {
        this.open += 1;
        try {
          return await this.engine.connect(role);
        } catch (error) {
          this.open -= 1;
          this.wakeOne();
          throw error;
        }
      }
      // Another role's idle session counts against the limit too (PGlite has a single session).
      const other = [...this.idle.values()].find((list) => list.length > 0)?.pop();
      if (other) {
        await this.discard(other);
        continue;
      }
      if (await this.reclaim()) continue;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  /** Returns a session for reuse, or closes it when it is broken. */
  async release(role: Role, connection: EngineConnection): Promise<void> {
    if (connection.broken) {
      await this.discard(connection);
      return;
    }
    const list = this.idle.get(role) ?? [];
    list.push(connection);
    this.idle.set(role, list);
    this.wakeOne();
  }

  async discard(connection: EngineConnection): Promise<void> {
    this.open -= 1;
    await connection.close();
    this.wakeOne();
  }

  async closeAll(): Promise<void> {
    const all = [...this.idle.values()].flat();
    this.idle.clear();
    await Promise.all(all.map((connection) => this.discard(connection)));
  }

  private wakeOne(): void {
    this.waiters.shift()?.();
  }
}
