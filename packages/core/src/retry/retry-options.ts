import { systemClock, type Clock } from '../clock.js';
import { breakwaterCodeOf, ConfigError } from '../errors.js';
import { exponentialBackoff, type Backoff } from './backoff.js';
import type { RetryBudget } from './budget.js';
import type { RetryOptions } from './retry-types.js';
import { NOT_RETRIED_CODES } from '../kernel/outcome.js';
import { checkOptions, checkInt, checkNumber, checkFunction, checkClock, checkKnownKeys } from '../kernel/options.js';

/** Upper bound of `maxAttempts`: beyond it a retry loop is a bug (or an outage amplifier), not a policy. */
export const MAX_ATTEMPTS = 1000;

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
  return code === undefined || !NOT_RETRIED_CODES.has(code);
}

/** `retry()` options after validation and defaults. */
export interface ResolvedRetryOptions {
  maxAttempts: number;
  backoff: Backoff;
  retryOn: (error: unknown, attempt: number) => boolean;
  retryOnResult: ((value: unknown, attempt: number) => boolean) | undefined;
  budget: RetryBudget | undefined;
  respectRetryAfter: boolean;
  maxRetryAfterMs: number;
  clock: Clock;
}

const RETRY_KEYS = [
  'maxAttempts',
  'backoff',
  'retryOn',
  'retryOnResult',
  'budget',
  'respectRetryAfter',
  'maxRetryAfterMs',
  'clock',
];

/** Validates `retry()` options; throws ConfigError with a `retry.<field>` path. */
export function resolveRetryOptions(o: RetryOptions): ResolvedRetryOptions {
  checkOptions('retry', o, false);
  checkKnownKeys('retry', o, RETRY_KEYS, {
    retries: 'maxAttempts',
    attempts: 'maxAttempts',
    maxRetries: 'maxAttempts',
    delay: 'backoff',
    handleResult: 'retryOnResult',
    retryOnValue: 'retryOnResult',
  });
  const maxAttempts = checkInt('retry.maxAttempts', o.maxAttempts ?? 3, 1);
  if (maxAttempts > MAX_ATTEMPTS) {
    throw new ConfigError(
      'retry.maxAttempts',
      `expected an integer ≤ ${MAX_ATTEMPTS} (attempts in total, the first included), got ${maxAttempts}`,
    );
  }
  if (
    o.backoff !== undefined &&
    (typeof o.backoff !== 'object' || o.backoff === null || typeof o.backoff.delayMs !== 'function')
  ) {
    throw new ConfigError('retry.backoff', 'expected a Backoff (exponentialBackoff() or constantBackoff(ms))');
  }
  checkFunction('retry.retryOn', o.retryOn);
  checkFunction('retry.retryOnResult', o.retryOnResult);
  const budget = o.budget;
  if (
    budget !== undefined &&
    (typeof budget !== 'object' ||
      budget === null ||
      typeof budget.tryRetry !== 'function' ||
      typeof budget.recordRequest !== 'function')
  ) {
    throw new ConfigError('retry.budget', 'expected a RetryBudget (retryBudget())');
  }
  if (o.respectRetryAfter !== undefined && typeof o.respectRetryAfter !== 'boolean') {
    throw new ConfigError('retry.respectRetryAfter', `expected a boolean, got ${typeof o.respectRetryAfter}`);
  }
  const maxRetryAfterMs = checkNumber('retry.maxRetryAfterMs', o.maxRetryAfterMs ?? 30_000, {
    min: 0,
    allowInfinity: true,
  });
  checkClock('retry.clock', o.clock);
  return {
    maxAttempts,
    backoff: o.backoff ?? exponentialBackoff(),
    retryOn: o.retryOn ?? isRetryableError,
    retryOnResult: o.retryOnResult,
    budget,
    respectRetryAfter: o.respectRetryAfter ?? true,
    maxRetryAfterMs,
    clock: o.clock ?? systemClock,
  };
}
