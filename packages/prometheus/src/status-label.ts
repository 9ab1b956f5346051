import { isRejection, isTimeoutLike } from '@breakwater/core/internal';

/**
 * The `status` label of `lb_requests_total`: the HTTP status code when there is one ("200",
 * "503"); otherwise, for a thrown error, "timeout" for timeouts, "rejected" for Breakwater
 * rejections (open breaker, full bulkhead, rate limit, no endpoint) and "error" for anything else
 * — whether or not the balancer counted it as the endpoint's failure; "success" for a value
 * without an HTTP status (a non-HTTP call), "error" for such a value counted as a failure;
 * "cancelled" for a call the balancer reports as cancelled (a losing hedge attempt, a caller abort —
 * counted against the endpoint nowhere), whatever it rejected with.
 */

/** Values the label takes besides status codes. */
export type OutcomeLabel = 'success' | 'error' | 'timeout' | 'rejected' | 'cancelled';

function isStatus(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 100 && v <= 599;
}

/** The label for one finished call. */
export function statusLabel(e: {
  success: boolean;
  status?: number | undefined;
  error?: unknown;
  cancelled?: boolean | undefined;
}): string {
  if (e.cancelled === true) return 'cancelled';
  if (isStatus(e.status)) return String(e.status);
  // A thrown error is labelled by its kind even when it does not count as an endpoint failure:
  // an inner policy's rejection (full bulkhead, open breaker inside the balancer) is `success:
  // true` for outlier detection — the endpoint did nothing wrong — but the call was rejected.
  if (e.error !== undefined) {
    if (isTimeoutLike(e.error)) return 'timeout';
    if (isRejection(e.error)) return 'rejected';
    return 'error';
  }
  return e.success ? 'success' : 'error';
}
