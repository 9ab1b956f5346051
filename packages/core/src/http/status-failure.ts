import { parseRetryAfter } from './retry-after.js';
import { retryAfterHeaderOf, statusOf } from './status.js';

/**
 * Thrown inside a policy when an upstream *answered* with a failure status that the transport
 * did not turn into an error itself (a fetch `Response` with 503; an axios response accepted by
 * a custom `validateStatus`). Breakers, retries and balancers see it as a failure; the adapter
 * unwraps it when retries run out and hands the caller the response, as its ecosystem would.
 *
 * Deliberately not a `BreakwaterError`: breakers skip those by default, and this must count.
 */
export class HttpStatusFailure<R = unknown> extends Error {
  /** The HTTP status, e.g. 503. */
  readonly status: number;
  /** The response the transport produced (fetch `Response`, axios response, ...). */
  readonly response: R;
  /** Delay requested by the server's Retry-After header, when present and valid. */
  readonly retryAfterMs: number | undefined;

  /**
   * @param response  the transport's response
   * @param o.status  the status (default: read from `response`)
   * @param o.maxRetryAfterMs  cap for the Retry-After delay
   * @param o.nowMs   wall-clock time for HTTP-date Retry-After values
   */
  constructor(response: R, o?: { status?: number; maxRetryAfterMs?: number; nowMs?: number }) {
    const status = o?.status ?? statusOf(response) ?? 0;
    // No URL or headers in the message: they may carry credentials or tokens.
    super(`upstream responded with HTTP ${status}`);
    this.name = 'HttpStatusFailure';
    this.status = status;
    this.response = response;
    this.retryAfterMs = parseRetryAfter(retryAfterHeaderOf(response), o?.nowMs, o?.maxRetryAfterMs);
  }
}
