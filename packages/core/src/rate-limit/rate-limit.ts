import { systemClock, type Clock } from '../clock.js';
import { RateLimitedError } from '../errors.js';
import { executeWith, invoke, type Ctx, type InternalPolicy } from '../execution.js';
import type { ExecuteOptions, Policy, PolicyFn } from '../policy.js';
import { checkKnownKeys } from '../internal/known-keys.js';
import { checkClock, checkNumber, checkOptions } from '../policies/validate.js';

/** Options of {@link rateLimit}. */
export interface RateLimitOptions {
  /** Sustained rate: tokens added per second. */
  perSecond: number;
  /** Bucket size (calls allowed in a burst); default max(1, perSecond). */
  burst?: number;
  clock?: Clock;
}

/** A rate limiter: a {@link Policy} that can report its tokens. */
export interface RateLimitPolicy extends Policy {
  /** Tokens available now (fractional). */
  tokens(): number;
}

/** Token bucket refilled lazily from the clock on each call: no timers. */
class RateLimit implements InternalPolicy, RateLimitPolicy {
  private available: number;
  private last: number;
  private readonly perMs: number;

  constructor(perSecond: number, private readonly burst: number, private readonly clock: Clock) {
    this.available = burst;
    this.last = clock.now();
    this.perMs = perSecond / 1000;
  }

  execute<T>(fn: PolicyFn<T>, opts?: ExecuteOptions): Promise<T> {
    return executeWith(this, fn, opts);
  }

  tokens(): number {
    this.refill();
    return this.available;
  }

  run<T>(fn: PolicyFn<T>, ctx: Ctx): Promise<T> {
    if (ctx.aborted) return Promise.reject(ctx.abortReason);
    this.refill();
    if (this.available < 1) {
      return Promise.reject(new RateLimitedError((1 - this.available) / this.perMs));
    }
    this.available -= 1;
    return invoke(fn, ctx);
  }

  private refill(): void {
    const now = this.clock.now();
    const elapsed = now - this.last;
    // A clock that goes backwards (manual clocks, NTP steps on Date.now) must not drain tokens.
    if (elapsed > 0) this.available = Math.min(this.burst, this.available + elapsed * this.perMs);
    this.last = now;
  }
}

/**
 * Token bucket: allows `burst` calls at once and `perSecond` sustained. When empty it rejects
 * with {@link RateLimitedError}, whose `retryAfterMs` says when the next token arrives (a retry
 * policy with a custom `retryOn` can use it).
 */
export function rateLimit(o: RateLimitOptions): RateLimitPolicy {
  checkOptions('rateLimit', o, true);
  checkKnownKeys('rateLimit', o, ['perSecond', 'burst', 'clock'], { rate: 'perSecond', rps: 'perSecond', capacity: 'burst' });
  const perSecond = checkNumber('rateLimit.perSecond', o.perSecond, { minExclusive: 0 });
  const burst = checkNumber('rateLimit.burst', o.burst ?? Math.max(1, perSecond), { min: 1 });
  checkClock('rateLimit.clock', o.clock);
  return new RateLimit(perSecond, burst, o.clock ?? systemClock);
}
