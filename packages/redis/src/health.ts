/** A change of {@link RedisBreakerStore.healthy}. */
export interface StoreHealthEvent {
  readonly healthy: boolean;
  /** Epoch ms of the change. */
  readonly at: number;
  /** When unhealthy: the last error the store absorbed (credentials redacted), if any. */
  readonly lastError: unknown;
}

/** The store did not become healthy in time (or was closed first). */
export class StoreNotReadyError extends Error {
  readonly code = 'BW_REDIS_NOT_READY';
  constructor(
    message: string,
    readonly lastError: unknown,
  ) {
    super(message);
    this.name = 'StoreNotReadyError';
  }
}

interface Waiter {
  resolve(): void;
  reject(e: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

/**
 * Health transitions of a store: 'health' listeners and `ready()` waiters, fed by `update()`
 * after anything that may change the store's health.
 */
export class HealthTracker {
  private last = false;
  private readonly listeners: Array<(e: StoreHealthEvent) => void> = [];
  private readonly waiters = new Set<Waiter>();
  lastError: unknown;

  constructor(private readonly current: () => boolean) {}

  /** Emits 'health' if health changed since the last call. */
  update(): void {
    const now = this.current();
    if (now === this.last) return;
    this.last = now;
    const e: StoreHealthEvent = { healthy: now, at: Date.now(), lastError: now ? undefined : this.lastError };
    for (const fn of this.listeners.slice()) {
      try {
        fn(e);
      } catch {
        /* a throwing listener must not break the store */
      }
    }
    if (now) {
      for (const w of this.waiters) {
        clearTimeout(w.timer);
        w.resolve();
      }
      this.waiters.clear();
    }
  }

  on(fn: (e: StoreHealthEvent) => void): () => void {
    this.listeners.push(fn);
    return () => {
      const i = this.listeners.indexOf(fn);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  ready(timeoutMs: number): Promise<void> {
    if (this.current()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const w: Waiter = {
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters.delete(w);
          const why =
            this.lastError instanceof Error
              ? `: last error ${this.lastError.message}`
              : ' (no error seen: is Redis reachable?)';
          reject(new StoreNotReadyError(`RedisBreakerStore not healthy within ${timeoutMs} ms${why}`, this.lastError));
        }, timeoutMs),
      };
      this.waiters.add(w);
    });
  }

  /** Store closed: pending `ready()` calls reject, listeners are dropped. */
  close(): void {
    for (const w of this.waiters) {
      clearTimeout(w.timer);
      w.reject(new StoreNotReadyError('RedisBreakerStore closed before it became healthy', this.lastError));
    }
    this.waiters.clear();
    this.listeners.length = 0;
    this.last = false;
  }
}
