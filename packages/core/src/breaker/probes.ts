/**
 * The probe slots of one half-open period. A slot is a lease stamped with its start time; a lease
 * older than the probe timeout counts as a failed probe, so a probe that never settles cannot keep
 * the breaker half-open (resilience4j #903, Hystrix #1863). One object per half-open period: a
 * probe that settles after its round ended sees a different round and is ignored.
 */
export class ProbeRound {
  /** Lease start time per slot; -1 when the slot is free. */
  private readonly starts: number[];
  /** Probes currently holding a slot. */
  active = 0;
  /** Probe successes so far in this round. */
  successes = 0;
  /** The breaker's single lease-expiry timer while this round lasts. */
  timer: unknown = undefined;

  constructor(maxProbes: number) {
    this.starts = new Array<number>(maxProbes).fill(-1);
  }

  /** Takes a free slot; returns its index, or -1 when every slot is held. */
  acquire(now: number): number {
    const starts = this.starts;
    for (let i = 0; i < starts.length; i++) {
      if (starts[i] === -1) {
        starts[i] = now;
        this.active++;
        return i;
      }
    }
    return -1;
  }

  /** True while fewer than `maxProbes` slots are held. */
  hasFreeSlot(): boolean {
    return this.active < this.starts.length;
  }

  /** Frees a slot (idempotent). */
  release(slot: number): void {
    if (this.starts[slot] !== -1) {
      this.starts[slot] = -1;
      this.active--;
    }
  }

  /** True when `slot` is still leased (not released or expired). */
  holds(slot: number): boolean {
    return this.starts[slot] !== -1;
  }

  /** The earliest time a held lease expires, or Infinity when no slot is held. */
  earliestExpiry(timeoutMs: number): number {
    let earliest = Number.POSITIVE_INFINITY;
    for (const start of this.starts) if (start !== -1 && start + timeoutMs < earliest) earliest = start + timeoutMs;
    return earliest;
  }
}
