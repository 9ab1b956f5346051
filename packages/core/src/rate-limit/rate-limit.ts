import { systemClock, type Clock } from '../clock.js';
import { RateLimitedError } from '../errors.js';
import { Emitter, withContext } from '../events.js';
import { executeWith, invoke, type Ctx, type InternalPolicy } from '../execution.js';
import type { ExecuteOptions, Policy, PolicyFn } from '../policy.js';
import { checkOptions, checkNumber, checkClock, checkKnownKeys } from '../kernel/options.js';

/** Options of {@link rateLimit}. */
export interface RateLimitOptions {
  /** Sustained rate: tokens added per second. */
  perSecond: number;
  /** Bucket size (calls allowed in a burst); default max(1, perSecond). */
  burst?: number;
  clock?: Clock;
}

/** Payload of the rate limiter's `rejected` event. */
export interface RateLimitRejectedEvent {
  /** Milliseconds until the next token. */
  retryAfterMs: number;
  /** The call's `ExecuteOptions.context` (non-enumerable): correlates the event with its call. */
  readonly context: Record<string, unknown>;
}

/** Events of the rate limiter. */
export type RateLimitEvents = { rejected: RateLimitRejectedEvent };

/** A rate limiter: a {@link Policy} that can report its tokens, with a `rejected` event. */
export interface RateLimitPolicy extends Policy {
  /** Tokens available now (fractional). */
  tokens(): number;
  /** Subscribes to `rejected` (bucket empty); returns the unsubscribe function. */
  on(event: 'rejected', fn: (e: RateLimitRejectedEvent) => void): () => void;
}

/** Token bucket refilled lazily from the clock on each call: no timers. */
class RateLimit implements InternalPolicy, RateLimitPolicy {
  private available: number;
  private last: number;
  private readonly perMs: number;
  private events: Emitter<RateLimitEvents> | undefined;

  constructor(
    perSecond: number,
    private readonly burst: number,
    private readonly clock: Clock,
  ) {
    this.available = burst;
    this.last = clock.now();
    this.perMs = perSecond / 1000;
  }

  execute<T>(fn: PolicyFn<T>, opts?: ExecuteOptions): Promise<T> {
    return executeWith(this, fn, opts);
  }

  on(event: 'rejected', fn: (e: RateLimitRejectedEvent) => void): () => void {
    return (this.events ??= new Emitter<RateLimitEvents>()).on(event, fn);
  }

  tokens(): number {
    this.refill();
    return this.available;
  }

  run<T>(fn: PolicyFn<T>, ctx: Ctx): Promise<T> {
    if (ctx.aborted) return Promise.reject(ctx.abortReason);
    this.refill();
    if (this.available < 1) {
      const retryAfterMs = (1 - this.available) / this.perMs;
      if (this.events?.has('rejected') === true)
        this.events.emit('rejected', withContext({ retryAfterMs }, ctx.context));
      return Promise.reject(new RateLimitedError(retryAfterMs));
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
  checkKnownKeys('rateLimit', o, ['perSecond', 'burst', 'clock'], {
    rate: 'perSecond',
    rps: 'perSecond',
    capacity: 'burst',
  });
  const perSecond = checkNumber('rateLimit.perSecond', o.perSecond, { minExclusive: 0 });
  const burst = checkNumber('rateLimit.burst', o.burst ?? Math.max(1, perSecond), { min: 1 });
  checkClock('rateLimit.clock', o.clock);
  return new RateLimit(perSecond, burst, o.clock ?? systemClock);
}
