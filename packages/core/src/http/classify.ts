import { statusOf } from './status.js';

/**
 * Outcome classification shared by every adapter: network errors, timeouts, 5xx, 408 and 429
 * are failures (they count against breakers and may be retried); every other status — 2xx,
 * 3xx and the remaining 4xx — is the server answering correctly and passes through uncounted.
 */

/** True for statuses that mean "the upstream is in trouble": 5xx, 408 Request Timeout, 429 Too Many Requests. */
export function isFailureStatus(status: number): boolean {
  return status >= 500 || status === 408 || status === 429;
}

/**
 * The default `isFailure` of the adapters. Accepts a response or an error:
 * - anything carrying an HTTP status is judged by {@link isFailureStatus};
 * - an error without a status (connection refused, reset, DNS, timeout) is a failure;
 * - anything else (a value that is not an error) is not.
 */
export function defaultIsFailure(errorOrResponse: unknown): boolean {
  const status = statusOf(errorOrResponse);
  if (status !== undefined) return isFailureStatus(status);
  // A response whose status is outside 100..599 (999, 1000: fetch surfaces them) comes from a broken
  // upstream; axios already rejects those, so fetch must not count them as successes. Status 0 is left
  // alone: browsers use it for opaque responses.
  if (hasOutOfRangeStatus(errorOrResponse)) return true;
  return errorOrResponse instanceof Error || isErrorLike(errorOrResponse);
}

function hasOutOfRangeStatus(x: unknown): boolean {
  if (typeof x !== 'object' || x === null) return false;
  const s = (x as Record<string, unknown>).status;
  return typeof s === 'number' && Number.isInteger(s) && (s > 599 || (s > 0 && s < 100));
}

function isErrorLike(x: unknown): boolean {
  if (typeof x !== 'object' || x === null) return false;
  const r = x as Record<string, unknown>;
  return typeof r.message === 'string' && (typeof r.name === 'string' || typeof r.code === 'string');
}
