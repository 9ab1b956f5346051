/**
 * The `status` label of `lb_requests_total`: the HTTP status code when there is one ("200",
 * "503"); otherwise, for a thrown error, "timeout" for timeouts, "rejected" for Breakwater
 * rejections (open breaker, full bulkhead, rate limit, no endpoint) and "error" for anything else
 * — whether or not the balancer counted it as the endpoint's failure; "success" for a value
 * without an HTTP status (a non-HTTP call), "error" for such a value counted as a failure;
 * "cancelled" for a call the balancer reports as cancelled (a losing hedge attempt, a caller abort —
 * counted against the endpoint nowhere), whatever it rejected with.
 */

const REJECTION_CODES = new Set([
  'BW_CIRCUIT_OPEN',
  'BW_CIRCUIT_ISOLATED',
  'BW_BULKHEAD_FULL',
  'BW_RATE_LIMITED',
  'BW_NO_ENDPOINT',
  'BW_SATURATED',
  'BW_CLOSED',
]);
const TIMEOUT_CODES = new Set(['BW_TIMEOUT', 'ETIMEDOUT', 'ECONNABORTED', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/** Values the label takes besides status codes. */
export type OutcomeLabel = 'success' | 'error' | 'timeout' | 'rejected' | 'cancelled';

function isStatus(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 100 && v <= 599;
}

/** True when `error` (or its cause) is a timeout. */
export function isTimeout(error: unknown): boolean {
  for (let e = error, depth = 0; typeof e === 'object' && e !== null && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const o = e as { code?: unknown; name?: unknown };
    if (typeof o.code === 'string' && TIMEOUT_CODES.has(o.code)) return true;
    if (o.name === 'TimeoutError') return true;
  }
  return false;
}

/** True for Breakwater's own rejections (the dependency was never called). */
export function isRejection(error: unknown): boolean {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' && REJECTION_CODES.has(code);
}

/** The label for one finished call. */
export function statusLabel(e: { success: boolean; status?: number | undefined; error?: unknown; cancelled?: boolean | undefined }): string {
  if (e.cancelled === true) return 'cancelled';
  if (isStatus(e.status)) return String(e.status);
  // A thrown error is labelled by its kind even when it does not count as an endpoint failure:
  // an inner policy's rejection (full bulkhead, open breaker inside the balancer) is `success:
  // true` for outlier detection — the endpoint did nothing wrong — but the call was rejected.
  if (e.error !== undefined) {
    if (isTimeout(e.error)) return 'timeout';
    if (isRejection(e.error)) return 'rejected';
    return 'error';
  }
  return e.success ? 'success' : 'error';
}
