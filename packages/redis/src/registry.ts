import type { AnyRedis } from './connections.js';
import { registryKey } from './keys.js';

/** How long a name stays in the registry after the last replica that used it. */
export const REGISTRY_RETENTION_MS = 7 * 24 * 3600_000;
/** First retry of a failed registry write; doubled per retry. */
const RETRY_BASE_MS = 250;
/** Retries after one failed write (250 ms … 4 s); past them the next resync writes the names again. */
const MAX_RETRIES = 5;

/** What the registry needs from its store (its resync's `ReadDeps`). */
export interface RegistryDeps {
  readonly cmd: AnyRedis;
  readonly options: { readonly prefix: string };
  /** The store's guarded command runner: counts the command, and a failure in `stats().errors`. */
  run<T>(op: () => Promise<T>): Promise<T>;
  /** Counts a failure `run` did not see (a pipeline's reply) in `stats().errors` and reports it. */
  dataError(e: unknown): void;
}

/**
 * The registry of breaker names the CLI lists (a sorted set scored by last use), refreshed at every
 * resync. On a standalone Redis the write rides in the resync's pipeline; on a Cluster the registry
 * has a slot of its own, so it is written by its own commands. Either way a failed write is counted
 * in `stats().errors` and its names are written again after 250 ms, 500 ms, … 4 s — not only at the
 * next periodic resync (30 s by default), which would leave new names unlisted until then.
 */
export class Registry {
  /** Names whose last write failed, waiting for the retry. */
  private readonly unwritten = new Set<string>();
  private retries = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private disposed = false;
  /** The registry's key (`registryKey(prefix)`). */
  readonly key: string;

  constructor(private readonly deps: RegistryDeps) {
    this.key = registryKey(deps.options.prefix);
  }

  /** Cluster: registers `names` (with any still waiting for a retry) by its own commands. */
  write(names: readonly string[]): void {
    this.retries = 0; // a resync's write starts a fresh round of retries
    this.send(names);
  }

  /** Standalone: the pipelined registry write of `names` failed with `error`. */
  pipelineFailed(names: readonly string[], error: unknown): void {
    this.deps.dataError(error); // counted in stats().errors and reported, as run() does
    this.retryLater(names);
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.unwritten.clear();
  }

  private send(names: readonly string[]): void {
    const all = [...new Set([...names, ...this.unwritten])];
    this.unwritten.clear();
    if (all.length === 0 || this.disposed) return;
    const { cmd } = this.deps;
    const key = this.key;
    const now = Date.now();
    // run() counted a failure in stats().errors and reported it; the names go back for a retry.
    void this.deps
      .run(() => cmd.zadd(key, ...all.flatMap((n) => [now, n])))
      .then(
        () => {
          this.retries = 0;
        },
        () => this.retryLater(all),
      );
    this.deps.run(() => cmd.pexpire(key, REGISTRY_RETENTION_MS)).catch(() => undefined);
  }

  private retryLater(names: readonly string[]): void {
    if (this.disposed) return;
    for (const n of names) this.unwritten.add(n);
    if (this.timer !== undefined || this.retries >= MAX_RETRIES) return;
    const ms = RETRY_BASE_MS * 2 ** this.retries++;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.send([]);
    }, ms);
    this.timer.unref?.();
  }
}
