import { Balancer } from '../balancing/balancer.js';
import type { Endpoint, LoadBalancer } from '../balancing/types.js';

/** How an adapter makes and retires one connection pool (an http.Agent, an undici Pool). */
export interface PoolFactory<P> {
  create(endpoint: Endpoint): P;
  /** Stop reusing the pool; let in-flight requests finish, then free its sockets. */
  retire(pool: P): void;
}

/**
 * One keep-alive connection pool per endpoint (a connection-pool balancer), created on
 * first use. Pools are retired when their endpoint is ejected by outlier detection, removed by
 * `balancer.update()`, or changes its URL or `maxConnections`, and all of them on `close()`.
 *
 * Removals are retired at once from the balancer's `update` event. A balancer without that
 * event (a custom LoadBalancer) is still covered by comparing with `balancer.endpoints()`, at most
 * once per `sweepIntervalMs` and on every health/ejection event.
 */
export class EndpointPools<P> {
  private readonly pools = new Map<string, { pool: P; url: string; max: number | undefined }>();
  private readonly unsubscribe: Array<() => void> = [];
  private lastSweep = 0;
  private closed = false;
  /**
   * False for Breakwater's own balancer, whose `update` and `ejection` events report every removal:
   * no periodic comparison, and no clock read per request (~0.15 µs on hosts without a vDSO clock).
   */
  private readonly timedSweep: boolean;

  constructor(
    private readonly balancer: LoadBalancer | undefined,
    private readonly factory: PoolFactory<P>,
    private readonly sweepIntervalMs = 1000,
    private readonly now: () => number = Date.now,
  ) {
    this.timedSweep = !(balancer instanceof Balancer);
    if (balancer !== undefined) {
      this.unsubscribe.push(
        balancer.on('ejection', (e) => {
          if (e.ejected === true && typeof e.endpoint === 'string') this.retire(e.endpoint);
        }),
        balancer.on('health', () => this.sweep()),
      );
      try {
        this.unsubscribe.push(
          balancer.on('update', (e) => {
            for (const id of e.removed) this.retire(id);
          }),
        );
      } catch {
        // A custom balancer that knows no 'update' event: the sweep finds removals.
      }
    }
  }

  /** The pool for `endpoint`, created if needed. After `close()` returns undefined (send without a pool). */
  get(endpoint: Endpoint): P | undefined {
    if (this.closed) return undefined;
    if (this.timedSweep) {
      const t = this.now();
      if (t - this.lastSweep >= this.sweepIntervalMs) {
        this.lastSweep = t;
        this.sweep();
      }
    }
    const current = this.pools.get(endpoint.id);
    if (current !== undefined && current.url === endpoint.url && current.max === endpoint.maxConnections)
      return current.pool;
    if (current !== undefined) this.retire(endpoint.id);
    const pool = this.factory.create(endpoint);
    this.pools.set(endpoint.id, { pool, url: endpoint.url, max: endpoint.maxConnections });
    return pool;
  }

  /** Number of live pools (for tests and metrics). */
  get size(): number {
    return this.pools.size;
  }

  /** Retires the pool of endpoint `id`, if any. */
  retire(id: string): void {
    const entry = this.pools.get(id);
    if (entry === undefined) return;
    this.pools.delete(id);
    this.factory.retire(entry.pool);
  }

  /** Retires pools whose endpoints are gone from the balancer. */
  sweep(): void {
    if (this.balancer === undefined || this.pools.size === 0) return;
    let live: ReadonlyArray<{ id: string; ejected?: boolean }>;
    try {
      live = this.balancer.endpoints();
    } catch {
      return;
    }
    const keep = new Set<string>();
    for (const e of live) if (e.ejected !== true) keep.add(e.id);
    for (const id of [...this.pools.keys()]) if (!keep.has(id)) this.retire(id);
  }

  /** Retires every pool and stops listening to the balancer. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const u of this.unsubscribe.splice(0)) u();
    for (const id of [...this.pools.keys()]) this.retire(id);
  }
}
