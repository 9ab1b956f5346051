export { pipeline } from '../pipeline.js';
export {
  retry,
  isRetryableError,
  MAX_ATTEMPTS,
  type RetryOptions,
  type RetryPolicy,
  type RetryEvent,
  type GiveUpEvent,
  type GiveUpReason,
  type RetryEvents,
} from '../retry/retry.js';
export {
  exponentialBackoff,
  constantBackoff,
  type Backoff,
  type Jitter,
  type ExponentialBackoffOptions,
} from '../retry/backoff.js';
export { retryBudget, type RetryBudget, type RetryBudgetOptions } from '../retry/budget.js';
export { retryAfterMsOf } from '../retry/retry-after.js';
export {
  timeout,
  type TimeoutOptions,
  type TimeoutPolicy,
  type TimeoutEvent,
  type TimeoutEvents,
} from '../timeout/timeout.js';
export {
  bulkhead,
  type BulkheadOptions,
  type BulkheadPolicy,
  type BulkheadRejectedEvent,
  type BulkheadEvents,
} from '../bulkhead/bulkhead.js';
export {
  rateLimit,
  type RateLimitOptions,
  type RateLimitPolicy,
  type RateLimitRejectedEvent,
  type RateLimitEvents,
} from '../rate-limit/rate-limit.js';
export {
  fallback,
  type FallbackOptions,
  type FallbackPolicy,
  type FallbackEvent,
  type FallbackEvents,
} from '../fallback/fallback.js';
export { cacheFallback, type CacheFallbackOptions, type CacheFallbackPolicy } from '../fallback/cache-fallback.js';
export {
  hedge,
  type HedgeOptions,
  type HedgePolicy,
  type HedgeEvent,
  type HedgeWinnerEvent,
  type HedgeEvents,
} from '../hedge/hedge.js';
