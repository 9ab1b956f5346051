import type { OutcomeWindow, SnapshotTime } from './types.js';

/**
 * Outcomes of the last `ms` milliseconds, kept in `buckets` buckets of `ms / buckets` each. Buckets
 * are rotated lazily when the window is touched — no interval timer — so a long idle gap costs one
 * pass over the buckets at most, however long it was.
 *
 * Bucket `i` holds the outcomes of the slot whose index (`floor(now / bucketMs)`) is congruent to
 * `i`; `epochs[i]` remembers which slot that was, so a bucket from an older lap reads as empty.
 * Times are expected to be non-negative (every Clock in Breakwater counts up from ≥ 0).
 */
export class TimeWindow implements OutcomeWindow {
  failures = 0;
  slow = 0;
  private count = 0;
  private readonly bucketMs: number;
  private calls: Uint32Array | undefined;
  private fails: Uint32Array | undefined;
  private slows: Uint32Array | undefined;
  private epochs: Float64Array | undefined;
  /** Newest slot index rotated in so far. */
  private head = Number.NEGATIVE_INFINITY;

  constructor(
    ms: number,
    private readonly buckets: number,
  ) {
    this.bucketMs = ms / buckets;
  }

  add(failure: boolean, slow: boolean, now: number): void {
    if (this.calls === undefined) this.allocate();
    const slot = this.rotate(now);
    const i = slot % this.buckets;
    this.calls![i]!++;
    this.count++;
    if (failure) {
      this.fails![i]!++;
      this.failures++;
    }
    if (slow) {
      this.slows![i]!++;
      this.slow++;
    }
  }

  total(now: number): number {
    if (this.calls !== undefined) this.rotate(now);
    return this.count;
  }

  reset(): void {
    this.failures = 0;
    this.slow = 0;
    this.count = 0;
    this.head = Number.NEGATIVE_INFINITY;
    if (this.calls !== undefined) {
      this.calls.fill(0);
      this.fails!.fill(0);
      this.slows!.fill(0);
      this.epochs!.fill(-1);
    }
  }

  /** Non-empty buckets of the current window: `[wall-clock start ms, calls, failures, slow]`. */
  exportState(time: SnapshotTime): Array<[number, number, number, number]> {
    const out: Array<[number, number, number, number]> = [];
    if (this.calls === undefined) return out;
    const head = this.rotate(time.clockNow);
    for (let slot = head - this.buckets + 1; slot <= head; slot++) {
      const i = ((slot % this.buckets) + this.buckets) % this.buckets;
      if (slot < 0 || this.epochs![i] !== slot || this.calls[i] === 0) continue;
      out.push([slot * this.bucketMs - time.clockNow + time.wallNow, this.calls[i]!, this.fails![i]!, this.slows![i]!]);
    }
    return out;
  }

  importState(data: unknown, time: SnapshotTime): boolean {
    const count = (n: unknown): n is number =>
      typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 0xffff_ffff;
    if (!Array.isArray(data) || data.length > this.buckets) return false;
    const ok = data.every(
      (b) =>
        Array.isArray(b) &&
        b.length === 4 &&
        typeof b[0] === 'number' &&
        Number.isFinite(b[0]) &&
        count(b[1]) &&
        count(b[2]) &&
        count(b[3]) &&
        b[2] <= b[1] &&
        b[3] <= b[1],
    );
    if (!ok) return false;
    this.reset();
    if (this.calls === undefined) this.allocate();
    const head = this.rotate(time.clockNow);
    for (const [wallStart, calls, fails, slows] of data as Array<[number, number, number, number]>) {
      const slot = Math.floor((wallStart - time.wallNow + time.clockNow) / this.bucketMs + 1e-9);
      if (slot > head || slot <= head - this.buckets || slot < 0) continue; // outside the window now
      const i = slot % this.buckets;
      this.epochs![i] = slot;
      this.calls![i]! += calls;
      this.fails![i]! += fails;
      this.slows![i]! += slows;
      this.count += calls;
      this.failures += fails;
      this.slow += slows;
    }
    return true;
  }

  private allocate(): void {
    this.calls = new Uint32Array(this.buckets);
    this.fails = new Uint32Array(this.buckets);
    this.slows = new Uint32Array(this.buckets);
    this.epochs = new Float64Array(this.buckets).fill(-1);
  }

  /** Drops buckets that fell out of the window as of `now`; returns the current slot index. */
  private rotate(now: number): number {
    const slot = Math.floor(now / this.bucketMs);
    // A clock that stepped backwards files the outcome under the newest bucket.
    if (slot <= this.head) return this.head;
    // Clearing more than one lap is pointless: after `buckets` steps every bucket is fresh.
    const from = Math.max(this.head + 1, slot - this.buckets + 1, 0);
    for (let s = from; s <= slot; s++) {
      const i = s % this.buckets;
      if (this.epochs![i] !== s) {
        this.count -= this.calls![i]!;
        this.failures -= this.fails![i]!;
        this.slow -= this.slows![i]!;
        this.calls![i] = 0;
        this.fails![i] = 0;
        this.slows![i] = 0;
        this.epochs![i] = s;
      }
    }
    this.head = slot;
    return slot;
  }
}
