import type { Backoff } from '../retry/backoff.js';
import type { SharedBreakerState } from '../store/types.js';
import type { BreakerState } from './types.js';

const FIXED = new Map<number, OpenPeriod>();

/**
 * How long the breaker stays open before it admits a probe: a fixed `halfOpenAfterMs`, or a
 * {@link Backoff} asked with the open attempt — 1 when the breaker opens from closed, +1 for every
 * probe that fails and re-opens it — so a flapping dependency is probed less and less often.
 * Closing (or reset/release) starts the schedule over.
 */
export class OpenPeriod {
  /**
   * A fixed period is immutable, so breakers with the same `halfOpenAfterMs` share one instance
   * (no object per breaker — thousands of per-endpoint breakers are common).
   */
  static of(halfOpenAfter: number | Backoff): OpenPeriod {
    if (typeof halfOpenAfter !== 'number') return new OpenPeriod(halfOpenAfter);
    let shared = FIXED.get(halfOpenAfter);
    if (shared === undefined) {
      shared = new OpenPeriod(halfOpenAfter);
      if (FIXED.size < 256) FIXED.set(halfOpenAfter, shared);
    }
    return shared;
  }

  private readonly fixedMs: number;
  private readonly backoff: Backoff | undefined;
  /** The period last handed out (the backoff's `previousMs`), or the first one before any. */
  private lastMs: number;

  constructor(halfOpenAfter: number | Backoff) {
    if (typeof halfOpenAfter === 'number') {
      this.fixedMs = halfOpenAfter;
      this.backoff = undefined;
      this.lastMs = halfOpenAfter;
    } else {
      this.fixedMs = 0;
      this.backoff = halfOpenAfter;
      this.lastMs = OpenPeriod.sane(halfOpenAfter.delayMs(1, undefined));
    }
  }

  /** The open period last used (the first one until the breaker opened): stores size leases with it. */
  get currentMs(): number {
    return this.lastMs;
  }

  /** True when the period grows with the attempt (a Backoff was given). */
  get growing(): boolean {
    return this.backoff !== undefined;
  }

  /** The period of open attempt `attempt` (≥ 1). */
  periodFor(attempt: number): number {
    const backoff = this.backoff;
    if (backoff === undefined) return this.fixedMs; // never mutates: shared instances stay valid
    let ms: number;
    try {
      ms = OpenPeriod.sane(backoff.delayMs(Math.max(1, attempt), attempt > 1 ? this.lastMs : undefined));
    } catch {
      // A user Backoff that throws must not break a transition: keep the last period.
      ms = this.lastMs;
    }
    this.lastMs = ms;
    return ms;
  }

  /** A user Backoff returning NaN or a negative number means "no wait". */
  private static sane(ms: number): number {
    return typeof ms === 'number' && ms >= 0 ? ms : 0;
  }
}

/**
 * The open attempt after adopting a remote state: the fleet's count when the store carries it.
 * Else (a store or record without it) counted locally and conservatively: a trip from closed
 * starts at 1; an open replica keeps its count (a re-delivered state must not inflate it), so
 * at worst it probes sooner than the fleet's schedule — the remote `openUntil` still applies.
 */
export function adoptedAttempt(
  remote: SharedBreakerState,
  to: BreakerState,
  from: BreakerState,
  local: number,
): number {
  if (to === 'closed') return 0;
  const carried = remote.openAttempt;
  if (typeof carried === 'number' && Number.isInteger(carried) && carried >= 1) return carried;
  if (to !== 'open') return local;
  return from === 'open' || from === 'half-open' ? Math.max(1, local) : 1;
}
