import { TimeoutError } from '../errors.js';
import type { Ctx } from '../execution.js';

/**
 * True for a timeout as an abort reason or an error: Breakwater's `TimeoutError`, or anything named
 * `TimeoutError` (the DOMException of `AbortSignal.timeout()`). A timeout says the dependency did
 * not answer in time, so it is a failure, never a cancellation. Never throws.
 */
export function isTimeout(value: unknown): boolean {
  try {
    return value instanceof TimeoutError || (typeof value === 'object' && value !== null && (value as { name?: unknown }).name === 'TimeoutError');
  } catch {
    // A hostile value (a revoked Proxy, a throwing `name` getter) is no timeout; it must not throw here.
    return false;
  }
}

/** How an attempt's end relates to aborts: see {@link attemptAbort}. */
export type AttemptAbort = 0 | 1 | 2;
/** The attempt's context was not aborted and its error is no timeout. */
export const NOT_ABORTED = 0;
/** Cancelled: aborted for a reason other than a timeout (caller, losing hedge, ...). */
export const CANCELLED = 1;
/** Timed out: the error is a timeout, or the context was aborted by one. */
export const TIMED_OUT = 2;

/**
 * Classifies an attempt that ended with `error` by its own context:
 * - {@link CANCELLED} when the context was aborted — by the caller's signal, by `hedge()` because
 *   another attempt won, or by an enclosing policy — for a reason other than a timeout. Such an
 *   attempt says nothing about the dependency, so breakers and balancers count it neither as a
 *   success nor as a failure.
 * - {@link TIMED_OUT} when the error is a timeout or the context was aborted by one (a `timeout()`
 *   around the breaker aborts with `TimeoutError`; the function may reject with a plain AbortError).
 * - {@link NOT_ABORTED} otherwise.
 *
 * The context decides, not the error's type: an aborted `fetch` rejects with the signal's reason,
 * a library may wrap it, and a function may throw something unrelated after noticing the abort —
 * all of which are the abort's consequences.
 */
export function attemptAbort(ctx: Ctx, error: unknown): AttemptAbort {
  if (isTimeout(error)) return TIMED_OUT;
  if (!ctx.aborted) return NOT_ABORTED;
  return isTimeout(ctx.abortReason) ? TIMED_OUT : CANCELLED;
}

/** True when an attempt that ended with `error` was cancelled, not failed (see {@link attemptAbort}). */
export function isCancelled(ctx: Ctx, error: unknown): boolean {
  return attemptAbort(ctx, error) === CANCELLED;
}
