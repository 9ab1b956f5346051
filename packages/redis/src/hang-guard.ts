import { dropSocket, isCluster, type AnyRedis } from './connections.js';

/** Health probes that time out on a connected socket before both connections are re-established. */
const HUNG_PROBES_BEFORE_RECONNECT = 2;
/** How often a standalone / Sentinel store checks for a connection stuck before ready. */
export const WATCHDOG_MS = 500;
/** Cluster: shortest pause between two slot-map refreshes. */
const SLOTS_REFRESH_MIN_MS = 500;

/**
 * What gets a store away from a node that hangs (SIGSTOP, a frozen VM) instead of failing: such a
 * node keeps its TCP connections open, so ioredis alone would wait for it forever.
 * - Standalone / Sentinel: health probes (PING) that keep timing out on a connected socket, and a
 *   socket that connects but never finishes its ready check, get their sockets destroyed; ioredis
 *   reconnects (behind Sentinel: to the master the sentinels name now).
 * - Cluster: a timeout refreshes both slot maps, which name the promoted replica after a failover.
 */
export class HangGuard {
  private hungProbes = 0;
  /** Per connection: since when its socket is up without being ready; 0 = not so. */
  private readonly connectedSince: number[];
  private slotsRefreshedAt = 0;

  constructor(
    private readonly conns: readonly AnyRedis[],
    private readonly commandTimeoutMs: number,
  ) {
    this.connectedSince = conns.map(() => 0);
  }

  /** A health probe answered. */
  probeAnswered(): void {
    this.hungProbes = 0;
  }

  /** A health probe timed out while connected. */
  probeTimedOut(): void {
    this.hungProbes += 1;
    if (this.hungProbes < HUNG_PROBES_BEFORE_RECONNECT) return;
    this.hungProbes = 0;
    for (const c of this.conns) dropSocket(c);
  }

  /** Every WATCHDOG_MS (standalone / Sentinel): drops sockets stuck before ready. */
  watchdog(): void {
    const hangMs = Math.max(1000, 4 * this.commandTimeoutMs);
    const now = Date.now();
    this.conns.forEach((conn, i) => {
      if (conn.status !== 'connect') {
        this.connectedSince[i] = 0;
      } else if (this.connectedSince[i] === 0) {
        this.connectedSince[i] = now;
      } else if (now - this.connectedSince[i]! > hangMs) {
        this.connectedSince[i] = 0;
        dropSocket(conn);
      }
    });
  }

  /** Cluster: a command timed out on some shard; refresh the slot maps (rate-limited). */
  refreshSlots(): void {
    const now = Date.now();
    if (now - this.slotsRefreshedAt < SLOTS_REFRESH_MIN_MS) return;
    this.slotsRefreshedAt = now;
    for (const c of this.conns) if (isCluster(c)) c.refreshSlotsCache(() => undefined);
  }
}
