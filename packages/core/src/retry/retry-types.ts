import type { Clock } from '../clock.js';
import type { Policy } from '../policy.js';
import type { Backoff } from './backoff.js';
import type { RetryBudget } from './budget.js';

/** Payload of the retry policy's `retry` event. */
export interface RetryEvent {
  /** 1-based number of the retry about to be made (first retry = 1). */
  attempt: number;
  /** How long the policy waits before making it. */
  delayMs: number;
  /** The error of the attempt that just failed (undefined when a result triggered the retry). */
  error: unknown;
  /** The result that `retryOnResult` asked to retry, when a result (not an error) triggered it. */
  value?: unknown;
  /**
   * `ExecuteOptions.context` of the call (the same object for every attempt): correlates events
   * with calls. Non-enumerable, so logging the event does not dump request data.
   */
  readonly context: Record<string, unknown>;
}

/** Why a retry policy stopped retrying a call that was still failing. */
export type GiveUpReason = 'maxAttempts' | 'budget' | 'retryAfter';

/**
 * Payload of the retry policy's `giveUp` event: the call ends with a failure (or a result
 * `retryOnResult` rejected) that would have been retried, but `maxAttempts` is reached, the
 * budget refused, or a Retry-After hint exceeded `maxRetryAfterMs`. Not emitted for failures
 * `retryOn` declines, nor after a caller abort.
 */
export interface GiveUpEvent {
  /** Attempts made, the first included. */
  attempts: number;
  reason: GiveUpReason;
  /** The last error (undefined when the last attempt returned a value). */
  error: unknown;
  /** The last value, when `retryOnResult` rejected it; it is what the caller receives. */
  value?: unknown;
  /** The call's `ExecuteOptions.context` (non-enumerable), as in {@link RetryEvent}. */
  readonly context: Record<string, unknown>;
}

/** Options of `retry()`. */
export interface RetryOptions {
  /** Attempts in total, the first included; default 3, at most 1000 (`MAX_ATTEMPTS`). */
  maxAttempts?: number;
  /** Default `exponentialBackoff()` (100 ms doubling, full jitter, ≤ 10 s). */
  backoff?: Backoff;
  /**
   * Whether to retry after `error`; `attempt` is the 1-based number of the retry that would be made.
   * Default `isRetryableError`. Never consulted once the caller aborted, nor for an error an
   * adapter marked with `markNonRetryable` (non-idempotent request).
   */
  retryOn?: (error: unknown, attempt: number) => boolean;
  /**
   * Whether a returned value should be retried (e.g. `(r) => r.status === 503`); default none.
   * When attempts run out the last value is returned, not thrown. A `Retry-After` header on the
   * value (a fetch `Response`, an axios response) sets the delay as for errors. A throwing
   * predicate counts as "no".
   */
  retryOnResult?: (value: unknown, attempt: number) => boolean;
  /** Shared cap on retries; a retry the budget refuses is not made. */
  budget?: RetryBudget;
  /** Let `error.retryAfterMs` or a `Retry-After` header set the next delay; default true. */
  respectRetryAfter?: boolean;
  /** A Retry-After hint longer than this ends retrying (the error is rethrown); default 30_000. */
  maxRetryAfterMs?: number;
  clock?: Clock;
}

/** Events of the retry policy. */
export type RetryEvents = {
  retry: RetryEvent;
  giveUp: GiveUpEvent;
};

/** The retry policy: a {@link Policy} with `retry` and `giveUp` events. */
export interface RetryPolicy extends Policy {
  /** Subscribes to an event; returns the unsubscribe function. Costs nothing while nobody listens. */
  on(event: 'retry', fn: (e: RetryEvent) => void): () => void;
  on(event: 'giveUp', fn: (e: GiveUpEvent) => void): () => void;
}
