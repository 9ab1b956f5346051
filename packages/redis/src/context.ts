import type { ScriptCommands } from './connections.js';
import type { ResolvedStoreOptions } from './options.js';

/** What a breaker group needs from its store: options, health and the guarded command runner. */
export interface StoreContext {
  readonly options: ResolvedStoreOptions;
  /** Channel transitions are published on. */
  readonly channel: string;
  /** Redis reachable, subscribed and resynced: shared coordination is possible. */
  readonly healthy: boolean;
  readonly scripts: ScriptCommands;
  /**
   * Runs one store command: counted, bounded by commandTimeoutMs, errors counted and reported;
   * connection-level failures mark the store unhealthy until a probe succeeds.
   */
  run<T>(op: () => Promise<T>): Promise<T>;
  /** Counts a malformed payload read from Redis. */
  ignored(): void;
  /** Counts a record refused as implausible (generation jump, open period beyond the bound). */
  refused(): void;
  /** Counts (and reports, rate-limited) a record of breaker `name` refused for a missing or wrong MAC. */
  unauthenticated(name: string): void;
  /** Reports an absorbed error to `onError`. */
  report(e: unknown): void;
  /** The store's state for this group looks lost (e.g. Redis restarted): resync soon. */
  requestResync(): void;
  /** Removes the group when its last breaker detached. */
  forget(name: string): void;
}
