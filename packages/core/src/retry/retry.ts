import { deferToEventLoop, systemClock, type Clock } from '../clock.js';
import { breakwaterCodeOf, ConfigError } from '../errors.js';
import { Emitter } from '../events.js';
import { isNonRetryable } from '../http/no-retry.js';
import { executeWith, invoke, listenAbort, unlistenAbort, type Ctx, type InternalPolicy } from '../execution.js';
import type { ExecuteOptions, Policy, PolicyFn } from '../policy.js';
import { checkClock, checkFunction, checkInt, checkNumber, checkOptions } from '../policies/validate.js';
import { checkKnownKeys } from '../internal/known-keys.js';
import { exponentialBackoff, type Backoff } from './backoff.js';
import type { RetryBudget } from './budget.js';
import { retryAfterMsOf } from './retry-after.js';

/** Payload of the retry policy's `retry` event. */
export interface RetryEvent {
  /** 1-based number of the retry about to be made (first retry = 1). */
  attempt: number;
  /** How long the policy waits before making it. */
  delayMs: number;
  /** The error of the attempt that just failed. */
  error: unknown;
}

/** Options of {@link retry}. */
export interface RetryOptions {
  /** Attempts in total, the first included; default 3, at most 1000 ({@link MAX_ATTEMPTS}). */
  maxAttempts?: number;
  /** Default `exponentialBackoff()` (100 ms doubling, full jitter, ≤ 10 s). */
  backoff?: Backoff;
  /**
   * Whether to retry after `error`; `attempt` is the 1-based number of the retry that would be made.
   * Default {@link isRetryableError}. Never consulted once the caller aborted, nor for an error an
   * adapter marked with `markNonRetryable` (non-idempotent request).
   */
  retryOn?: (error: unknown, attempt: number) => boolean;
  /** Shared cap on retries; a retry the budget refuses is not made. */
  budget?: RetryBudget;
  /** Let `error.retryAfterMs` or a `Retry-After` header set the next delay; default true. */
  respectRetryAfter?: boolean;
  /** A Retry-After hint longer than this ends retrying (the error is rethrown); default 30_000. */
  maxRetryAfterMs?: number;
  clock?: Clock;
}

/** The retry policy: a {@link Policy} with a `retry` event. */
export interface RetryPolicy extends Policy {
  on(event: 'retry', fn: (e: RetryEvent) => void): () => void;
}

/**
 * The default `retryOn`: every error except Breakwater's own local rejections (open or isolated
 * breaker, full bulkhead, empty rate limiter, no endpoint, bad config, closed). Those are load-shedding
 * decisions that a backoff of milliseconds will not change; retrying them only adds load. A
 * `TimeoutError` is retried. To retry `BrokenCircuitError` too (a balancer with per-endpoint
 * breakers may pick another endpoint), pass your own `retryOn`. A balancer's `SaturatedError` (every
 * endpoint at maxConnections and its wait queue full, or the wait timed out) is retried: it is
 * transient by nature, as a pool's "no connection free" is.
 */
export function isRetryableError(error: unknown): boolean {
  // By code, not instanceof: errors from another installed copy of @breakwater/core count too.
  const code = breakwaterCodeOf(error);
  return code === undefined || !NOT_RETRIED.has(code);
}

/** Codes of Breakwater's local rejections (load shedding, bad config, closed): never retried by default. */
const NOT_RETRIED: ReadonlySet<string> = new Set(['BW_CIRCUIT_OPEN', 'BW_CIRCUIT_ISOLATED', 'BW_BULKHEAD_FULL', 'BW_RATE_LIMITED', 'BW_NO_ENDPOINT', 'BW_CONFIG', 'BW_CLOSED']);

class Retry implements InternalPolicy, RetryPolicy {
  private readonly events = new Emitter<{ retry: RetryEvent }>();

  constructor(
    private readonly maxAttempts: number,
    private readonly backoff: Backoff,
    private readonly retryOn: (error: unknown, attempt: number) => boolean,
    private readonly budget: RetryBudget | undefined,
    private readonly respectRetryAfter: boolean,
    private readonly maxRetryAfterMs: number,
    private readonly clock: Clock,
  ) {}

  execute<T>(fn: PolicyFn<T>, opts?: ExecuteOptions): Promise<T> {
    return executeWith(this, fn, opts);
  }

  on(event: 'retry', fn: (e: RetryEvent) => void): () => void {
    return this.events.on(event, fn);
  }

  run<T>(fn: PolicyFn<T>, ctx: Ctx): Promise<T> {
    this.budget?.recordRequest();
    // Fast path: the first attempt costs one promise reaction; the loop only exists after a failure.
    if (this.maxAttempts === 1) return invoke(fn, ctx);
    return invoke(fn, ctx).then(undefined, (error: unknown) => this.retryAfterFailure(fn, ctx, error));
  }

  private async retryAfterFailure<T>(fn: PolicyFn<T>, ctx: Ctx, firstError: unknown): Promise<T> {
    let error = firstError;
    let previousMs: number | undefined;
    for (let retry = 1; ; retry++) {
      const delayMs = this.delayBefore(retry, error, previousMs, ctx);
      if (delayMs === undefined) throw error;
      if (this.events.has('retry')) this.events.emit('retry', { attempt: retry, delayMs, error });
      // A zero delay still yields to the event loop (setImmediate via the clock): a synchronously
      // failing fn must not run its attempts back to back on microtasks, starving timers and I/O.
      if (delayMs > 0) await this.sleep(delayMs, ctx);
      else await this.yieldTurn();
      if (ctx.aborted) throw ctx.abortReason;
      previousMs = delayMs;
      try {
        return await invoke(fn, ctx.derive(ctx.attempt + retry));
      } catch (e) {
        error = e;
      }
    }
  }

  /** The wait before retry number `retry`, or undefined when it must not be made. */
  private delayBefore(retry: number, error: unknown, previousMs: number | undefined, ctx: Ctx): number | undefined {
    // Adapters mark failures of non-idempotent requests (POST without Idempotency-Key): never resend.
    if (retry >= this.maxAttempts || ctx.aborted || isNonRetryable(error)) return undefined;
    let wanted: boolean;
    try {
      wanted = this.retryOn(error, retry);
    } catch {
      // A throwing predicate must not replace the caller's error with its own.
      wanted = false;
    }
    if (!wanted) return undefined;
    let delayMs: number | undefined;
    if (this.respectRetryAfter) {
      const hint = retryAfterMsOf(error);
      if (hint !== undefined) {
        if (hint > this.maxRetryAfterMs) return undefined;
        delayMs = hint;
      }
    }
    if (delayMs === undefined) {
      const d = this.backoff.delayMs(retry, previousMs);
      delayMs = Number.isFinite(d) && d > 0 ? d : 0;
    }
    if (this.budget !== undefined && !this.budget.tryRetry()) return undefined;
    return delayMs;
  }

  /** Resolves on a later event-loop turn (no time passes on a ManualClock). */
  private yieldTurn(): Promise<void> {
    return new Promise((resolve) => { deferToEventLoop(this.clock, resolve); });
  }

  /** Waits `ms`; rejects at once (timer cleared) when the call is aborted meanwhile. */
  private sleep(ms: number, ctx: Ctx): Promise<void> {
    const clock = this.clock;
    if (!ctx.abortable) return new Promise((resolve) => { clock.setTimeout(resolve, ms); });
    const signal = ctx.signal;
    if (signal.aborted) return Promise.reject(ctx.abortReason);
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        clock.clearTimeout(handle);
        reject(ctx.abortReason);
      };
      const handle = clock.setTimeout(() => {
        unlistenAbort(signal, onAbort);
        resolve();
      }, ms);
      listenAbort(signal, onAbort);
    });
  }
}

/** Upper bound of `maxAttempts`: beyond it a retry loop is a bug (or an outage amplifier), not a policy. */
export const MAX_ATTEMPTS = 1000;

const RETRY_KEYS = ['maxAttempts', 'backoff', 'retryOn', 'budget', 'respectRetryAfter', 'maxRetryAfterMs', 'clock'];

/** Retries failed attempts with backoff, Retry-After and an optional budget. */
export function retry(o: RetryOptions = {}): RetryPolicy {
  checkOptions('retry', o, false);
  checkKnownKeys('retry', o, RETRY_KEYS, { retries: 'maxAttempts', attempts: 'maxAttempts', maxRetries: 'maxAttempts', delay: 'backoff' });
  const maxAttempts = checkInt('retry.maxAttempts', o.maxAttempts ?? 3, 1);
  if (maxAttempts > MAX_ATTEMPTS) {
    throw new ConfigError('retry.maxAttempts', `expected an integer ≤ ${MAX_ATTEMPTS} (attempts in total, the first included), got ${maxAttempts}`);
  }
  if (o.backoff !== undefined && (typeof o.backoff !== 'object' || o.backoff === null || typeof o.backoff.delayMs !== 'function')) {
    throw new ConfigError('retry.backoff', 'expected a Backoff (exponentialBackoff() or constantBackoff(ms))');
  }
  checkFunction('retry.retryOn', o.retryOn);
  const budget = o.budget;
  if (budget !== undefined && (typeof budget !== 'object' || budget === null || typeof budget.tryRetry !== 'function' || typeof budget.recordRequest !== 'function')) {
    throw new ConfigError('retry.budget', 'expected a RetryBudget (retryBudget())');
  }
  if (o.respectRetryAfter !== undefined && typeof o.respectRetryAfter !== 'boolean') {
    throw new ConfigError('retry.respectRetryAfter', `expected a boolean, got ${typeof o.respectRetryAfter}`);
  }
  const maxRetryAfterMs = checkNumber('retry.maxRetryAfterMs', o.maxRetryAfterMs ?? 30_000, { min: 0, allowInfinity: true });
  checkClock('retry.clock', o.clock);
  return new Retry(maxAttempts, o.backoff ?? exponentialBackoff(), o.retryOn ?? isRetryableError, budget,
    o.respectRetryAfter ?? true, maxRetryAfterMs, o.clock ?? systemClock);
}
