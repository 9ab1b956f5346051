export { pipeline } from '../pipeline.js';
export {
  retry, isRetryableError, type RetryOptions, type RetryPolicy, type RetryEvent,
} from '../retry/retry.js';
export {
  exponentialBackoff, constantBackoff, type Backoff, type Jitter, type ExponentialBackoffOptions,
} from '../retry/backoff.js';
export { retryBudget, type RetryBudget, type RetryBudgetOptions } from '../retry/budget.js';
export { parseRetryAfter, retryAfterMsOf } from '../retry/retry-after.js';
export { timeout, type TimeoutOptions } from '../timeout/timeout.js';
