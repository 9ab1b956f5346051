import { BrokenCircuitError, BulkheadRejectedError, IsolatedCircuitError, NoHealthyEndpointError, RateLimitedError } from '../errors.js';

/**
 * Builds a rejection without capturing a stack trace. A rejected call is the breaker's fast path
 * when a dependency is down, and the stack (always "inside the breaker") is most of an Error's
 * cost; the message names the breaker, which is what a reader needs.
 */
export function brokenCircuitError(name: string, isolated: boolean, retryAfterMs: number | undefined, halfOpen: boolean): BrokenCircuitError {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    if (isolated) return new IsolatedCircuitError(name);
    return halfOpen
      ? new BrokenCircuitError(name, `circuit "${name}" is half-open and every probe slot is taken`)
      : new BrokenCircuitError(name, undefined, retryAfterMs);
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/**
 * True for Breakwater's own rejections (open breaker, full bulkhead, rate limit, no endpoint): the
 * protected dependency was never called, so they say nothing about its health.
 */
export function isRejection(error: unknown): boolean {
  return error instanceof BrokenCircuitError || error instanceof BulkheadRejectedError
    || error instanceof RateLimitedError || error instanceof NoHealthyEndpointError;
}

/** The default `isFailure`: every thrown error except Breakwater rejections. */
export function defaultBreakerIsFailure(error: unknown): boolean {
  return !isRejection(error);
}
