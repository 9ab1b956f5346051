/**
 * The probe slots of one half-open period. A slot is a lease stamped with its start time; a lease
 * older than the probe timeout counts as a failed probe, so a probe that never settles cannot keep
 * the breaker half-open (resilience4j #903, Hystrix #1863). One object per half-open period: a
 * probe that settles after its round ended sees a different round and is ignored.
 *
 * Every operation is O(1) (amortised) whatever `maxProbes` is, and storage grows with the probes
 * actually out, not with `maxProbes`: a lease is a ticket number (handed out in increasing order,
 * so in order of start time) mapped to its start; the oldest live ticket gives the earliest expiry.
 */
export class ProbeRound {
  /** Live leases: ticket → start time. Map iteration is not needed; `oldest` walks tickets forward. */
  private readonly leases = new Map<number, number>();
  private nextTicket = 0;
  /** No ticket below this one is still leased. */
  private oldest = 0;
  /** Probe successes so far in this round. */
  successes = 0;
  /** The breaker's single lease-expiry timer while this round lasts. */
  timer: unknown = undefined;

  constructor(private readonly maxProbes: number) {}

  /** Probes currently holding a slot. */
  get active(): number {
    return this.leases.size;
  }

  /** Takes a free slot; returns its ticket, or -1 when every slot is held. */
  acquire(now: number): number {
    if (this.leases.size >= this.maxProbes) return -1;
    const ticket = this.nextTicket++;
    this.leases.set(ticket, now);
    return ticket;
  }

  /** True while fewer than `maxProbes` slots are held. */
  hasFreeSlot(): boolean {
    return this.leases.size < this.maxProbes;
  }

  /** Frees a slot (idempotent). */
  release(ticket: number): void {
    this.leases.delete(ticket);
  }

  /** True when `ticket` is still leased (not released or expired). */
  holds(ticket: number): boolean {
    return this.leases.has(ticket);
  }

  /** The earliest time a held lease expires, or Infinity when no slot is held. */
  earliestExpiry(timeoutMs: number): number {
    const leases = this.leases;
    if (leases.size === 0) {
      this.oldest = this.nextTicket;
      return Number.POSITIVE_INFINITY;
    }
    // Each ticket is stepped over once in the round's life: amortised O(1).
    while (!leases.has(this.oldest)) this.oldest++;
    return leases.get(this.oldest)! + timeoutMs;
  }
}
