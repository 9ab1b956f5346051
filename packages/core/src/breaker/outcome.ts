import { isLocalResourceError } from '../local-resource-error.js';
import { isRejection } from '../kernel/outcome.js';

/** How an outcome counts: a success, a failure, or neutral (no verdict on the dependency). */
export type Verdict = 0 | 1 | 2;
export const VERDICT_SUCCESS = 0;
export const VERDICT_FAILURE = 1;
export const VERDICT_NEUTRAL = 2;

/**
 * Classifies a thrown value. `isFailure` says yes → failure. It declines → neutral when the error
 * is a Breakwater rejection from an inner policy (bulkhead full, rate limited, saturated, another
 * breaker open, closed) or a local resource error of this process — the dependency was never
 * asked or the fault is ours — else success (the caller's own "not a failure", e.g. a 404).
 * Never throws: a throwing classifier or a hostile value (revoked Proxy, throwing getters) counts
 * as a failure, and the caller still receives the original value.
 */
export function classifyError(isFailure: (error: unknown) => boolean, error: unknown): Verdict {
  try {
    if (isFailure(error)) return VERDICT_FAILURE;
    return isRejection(error) || isLocalResourceError(error) ? VERDICT_NEUTRAL : VERDICT_SUCCESS;
  } catch {
    return VERDICT_FAILURE;
  }
}

/** Classifies a returned value with `isResultFailure` (absent: success). Never throws (throwing → failure). */
export function classifyResult(isResultFailure: ((result: unknown) => boolean) | undefined, result: unknown): Verdict {
  if (isResultFailure === undefined) return VERDICT_SUCCESS;
  try {
    return isResultFailure(result) ? VERDICT_FAILURE : VERDICT_SUCCESS;
  } catch {
    return VERDICT_FAILURE;
  }
}
