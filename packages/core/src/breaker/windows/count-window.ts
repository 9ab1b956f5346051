import type { OutcomeWindow } from './types.js';

/** Longest outcome list a snapshot may carry (the largest allowed window size). */
const MAX_EXPORT = 1_000_000;

const FAILURE = 1;
const SLOW = 2;

/**
 * The last `size` outcomes in a ring buffer of one byte each (bit 0 failure, bit 1 slow). The
 * buffer is allocated on the first `add`, so an idle breaker costs no storage.
 */
export class CountWindow implements OutcomeWindow {
  failures = 0;
  slow = 0;
  private buffer: Uint8Array | undefined;
  private next = 0;
  private count = 0;

  constructor(private readonly size: number) {}

  add(failure: boolean, slow: boolean): void {
    const buffer = (this.buffer ??= new Uint8Array(this.size));
    const i = this.next;
    if (this.count === this.size) {
      // Evict the oldest outcome, which sits where the new one goes.
      const old = buffer[i]!;
      if ((old & FAILURE) !== 0) this.failures--;
      if ((old & SLOW) !== 0) this.slow--;
    } else {
      this.count++;
    }
    const bits = (failure ? FAILURE : 0) | (slow ? SLOW : 0);
    buffer[i] = bits;
    if (failure) this.failures++;
    if (slow) this.slow++;
    this.next = i + 1 === this.size ? 0 : i + 1;
  }

  total(): number {
    return this.count;
  }

  reset(): void {
    this.failures = 0;
    this.slow = 0;
    this.count = 0;
    this.next = 0;
    // Stale bytes are never read: `count` bounds what is considered part of the window.
  }

  /** The outcomes, oldest first, as bit values (1 failure, 2 slow success, 0 success). */
  exportState(): number[] {
    const out: number[] = [];
    const buffer = this.buffer;
    if (buffer === undefined) return out;
    const start = this.count === this.size ? this.next : 0;
    for (let k = 0; k < this.count; k++) out.push(buffer[(start + k) % this.size]!);
    return out;
  }

  importState(data: unknown): boolean {
    if (
      !Array.isArray(data) ||
      data.length > MAX_EXPORT ||
      !data.every((b) => b === 0 || b === 1 || b === 2 || b === 3)
    )
      return false;
    this.reset();
    // A snapshot of a larger window keeps its newest outcomes.
    for (const bits of (data as number[]).slice(-this.size)) this.add((bits & FAILURE) !== 0, (bits & SLOW) !== 0);
    return true;
  }
}
