import type { BreakerGroup } from './breaker-group.js';
import { readAll, type ReadDeps } from './read-all.js';
import { Registry } from './registry.js';
import { checkVersions } from './version-check.js';

/** What resyncs need from their store. */
export interface ResyncHost {
  readonly closed: boolean;
  /** Both connections ready (commands and subscription). */
  readonly connected: boolean;
  readonly healthy: boolean;
  readonly groups: ReadonlyMap<string, BreakerGroup>;
  readonly readDeps: ReadDeps;
  /** A resync completed: count it, mark the store synced and healthy. */
  resynced(): void;
  report(e: unknown): void;
}

/**
 * Resyncs (every known breaker read in one round trip, then pending local transitions pushed) and
 * version checks of one store: at most one resync in flight, and one more after it when anything
 * asked meanwhile — a reconnect, a new breaker, or a pub/sub hint that may describe a write the
 * running resync read too early.
 */
export class Resyncs {
  private resyncing = false;
  private again = false;
  private checkingVersions = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** The CLI's registry of names, written with every resync. */
  private readonly registry: Registry;

  constructor(private readonly host: ResyncHost) {
    this.registry = new Registry(host.readDeps);
  }

  /** A resync on the next tick (coalesces bursts: node changes, new breakers). */
  soon(): void {
    if (this.timer !== undefined || this.host.closed) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.run();
    }, 0);
    this.timer.unref?.();
  }

  /**
   * A pub/sub hint for breaker `name`. A hint that arrives while a resync is in flight (after a
   * reconnect) may describe a write that resync read too early, and a breaker's own re-read is
   * skipped until the store is healthy: read everything once more when the resync ends, or the
   * hint would wait for the version check.
   */
  hint(name: string): void {
    if (this.resyncing) this.again = true;
    else this.host.groups.get(name)?.refresh();
  }

  /** The cheap frequent check (see version-check.ts); skipped while unhealthy or resyncing. */
  versionCheck(): void {
    if (!this.host.healthy || this.resyncing || this.checkingVersions) return;
    this.checkingVersions = true;
    checkVersions(this.host.readDeps, [...this.host.groups.values()])
      .catch(() => undefined) // run() counted and reported it
      .finally(() => {
        this.checkingVersions = false;
      });
  }

  /** Reads every known breaker in one round trip, reconciles, then pushes pending local transitions. */
  run(): void {
    const host = this.host;
    if (host.closed || !host.connected) return;
    if (this.resyncing) {
      this.again = true;
      return;
    }
    this.resyncing = true;
    const groups = [...host.groups.values()];
    readAll(host.readDeps, groups, this.registry)
      .then(
        (replies) => {
          groups.forEach((g, i) => {
            const r = replies[i];
            if (r !== undefined && host.groups.get(g.name) === g) g.onResync(r);
          });
          host.resynced();
          for (const g of host.groups.values()) g.kick();
        },
        () => undefined,
      )
      .catch((e: unknown) => host.report(e))
      .finally(() => {
        this.resyncing = false;
        if (this.again) {
          this.again = false;
          this.run();
        }
      });
  }

  dispose(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.registry.dispose();
  }
}
