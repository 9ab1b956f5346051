import type { Clock } from '../clock.js';

/**
 * Counts a balancer's calls in flight and releases `drain()` waiters when the count reaches zero
 * (or their timeout elapses, or the balancer closes).
 */
export class DrainGate {
  /** Calls in flight across all endpoints. */
  inFlight = 0;
  private waiters: Array<() => void> = [];
  private readonly clock: Clock;

  constructor(clock: Clock) {
    this.clock = clock;
  }

  start(): void {
    this.inFlight++;
  }

  end(): void {
    this.inFlight--;
    if (this.inFlight === 0 && this.waiters.length > 0) this.releaseAll();
  }

  /** Resolves when no call is in flight, or after `timeoutMs` (the timer is unref'd and cleared). */
  wait(timeoutMs: number | undefined): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      let timer: unknown;
      const done = (): void => {
        if (timer !== undefined) this.clock.clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== done);
        resolve();
      };
      this.waiters.push(done);
      if (timeoutMs !== undefined) {
        timer = this.clock.setTimeout(done, timeoutMs);
        (timer as { unref?: () => void } | null)?.unref?.();
      }
    });
  }

  /** Releases every waiter now (close()). */
  releaseAll(): void {
    for (const w of this.waiters.slice()) w();
  }
}
