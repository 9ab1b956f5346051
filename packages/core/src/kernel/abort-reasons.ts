import { TimeoutError } from '../errors.js';
import type { Ctx } from '../execution.js';

/*
 * Abort reasons (issue 18.2): what a timeout, a cancellation and a losing hedge look like when they
 * reach an attempt, and how breakers and balancers classify an attempt that ended after an abort.
 */

/**
 * The abort reason `hedge()` gives a losing attempt: another attempt of the same call already
 * succeeded. An `AbortError` DOMException like any other abort, branded by its class so breakers
 * can release a half-open probe without a verdict ({@link isHedgeLoss}).
 */
export class HedgeLoss extends DOMException {
  constructor() {
    super('a hedged attempt finished first', 'AbortError');
  }
}

/** True when `reason` is a {@link HedgeLoss}. */
export function isHedgeLoss(reason: unknown): boolean {
  return reason instanceof HedgeLoss;
}

/**
 * True for a timeout as an abort reason or an error: Breakwater's `TimeoutError`, or anything named
 * `TimeoutError` (the DOMException of `AbortSignal.timeout()`). A timeout says the dependency did
 * not answer in time, so it is a failure, never a cancellation. Never throws.
 */
export function isTimeout(value: unknown): boolean {
  try {
    return (
      value instanceof TimeoutError ||
      (typeof value === 'object' && value !== null && (value as { name?: unknown }).name === 'TimeoutError')
    );
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
