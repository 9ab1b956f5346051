import type { OutcomeWindow } from './types.js';

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
}
