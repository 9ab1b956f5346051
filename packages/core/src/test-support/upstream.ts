import type { ManualClock } from '../clock.js';
import type { Policy } from '../policy.js';

/**
 * A simulated upstream with a capacity knee, on a ManualClock: up to `capacity` calls are served
 * at once in `serviceMs` each; more wait in a FIFO queue. `capacity` may change at any time.
 */
export class KneeUpstream {
  capacity: number;
  busy = 0;
  private readonly queue: Array<() => void> = [];

  constructor(
    private readonly clock: ManualClock,
    capacity: number,
    private readonly serviceMs: number,
  ) {
    this.capacity = capacity;
  }

  /** One request; resolves when served. */
  call(): Promise<void> {
    return new Promise<void>((resolve) => {
      const begin = (): void => {
        this.busy++;
        this.clock.setTimeout(() => {
          this.busy--;
          this.next();
          resolve();
        }, this.serviceMs);
      };
      if (this.busy < this.capacity) begin();
      else this.queue.push(begin);
    });
  }

  private next(): void {
    while (this.busy < this.capacity && this.queue.length > 0) this.queue.shift()!();
  }
}

/** Lets pending promise callbacks run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 6; i++) await Promise.resolve();
}

/** Open-loop load: `perMs` calls every virtual millisecond for `ms`, through `policy` to `upstream`. */
export async function drive(
  clock: ManualClock,
  policy: Policy,
  upstream: KneeUpstream,
  perMs: number,
  ms: number,
): Promise<{ ok: number; rejected: number; latencies: number[] }> {
  const out = { ok: 0, rejected: 0, latencies: [] as number[] };
  for (let t = 0; t < ms; t++) {
    for (let i = 0; i < perMs; i++) {
      const started = clock.now();
      policy
        .execute(() => upstream.call())
        .then(
          () => {
            out.ok++;
            out.latencies.push(clock.now() - started);
          },
          () => {
            out.rejected++;
          },
        );
    }
    await settle();
    clock.advance(1);
    await settle();
  }
  return out;
}
