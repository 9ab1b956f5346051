export { pipeline } from '../pipeline.js';
export {
  retry, isRetryableError, type RetryOptions, type RetryPolicy, type RetryEvent,
} from '../retry/retry.js';
export {
  exponentialBackoff, constantBackoff, type Backoff, type Jitter, type ExponentialBackoffOptions,
} from '../retry/backoff.js';
export { retryBudget, type RetryBudget, type RetryBudgetOptions } from '../retry/budget.js';
export { retryAfterMsOf } from '../retry/retry-after.js';
export { timeout, type TimeoutOptions } from '../timeout/timeout.js';
export { bulkhead, type BulkheadOptions, type BulkheadPolicy } from '../bulkhead/bulkhead.js';
export { rateLimit, type RateLimitOptions, type RateLimitPolicy } from '../rate-limit/rate-limit.js';
export { fallback, type FallbackOptions } from '../fallback/fallback.js';
export { cacheFallback, type CacheFallbackOptions, type CacheFallbackPolicy } from '../fallback/cache-fallback.js';
export { hedge, type HedgeOptions } from '../hedge/hedge.js';
