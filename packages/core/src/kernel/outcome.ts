import type { BreakerState } from './breaker-state.js';
import { breakwaterCodeOf } from '../errors.js';
import { isTimeout } from './abort-reasons.js';

/*
 * Outcome classification (issue 18.2): the one list of Breakwater's error codes and what each
 * means to the policies around it — a rejection (the dependency was never called: breakers stay
 * neutral, metrics say "rejected"), retried or not by the default `retryOn` — plus the timeout test
 * used by metric labels and the gauge value of each breaker state. The breaker, retry, the
 * balancer, the adapters, @breakwater/otel and @breakwater/prometheus all read these.
 */

/** How the policies treat an error code. */
interface CodeMeaning {
  /** Refused before reaching the dependency: says nothing about its health. */
  readonly rejection: boolean;
  /** Retried by the default `retryOn` (`isRetryableError`). */
  readonly retried: boolean;
}

const CODES: Readonly<Record<string, CodeMeaning>> = {
  BW_CIRCUIT_OPEN: { rejection: true, retried: false },
  BW_CIRCUIT_ISOLATED: { rejection: true, retried: false },
  BW_BULKHEAD_FULL: { rejection: true, retried: false },
  BW_RATE_LIMITED: { rejection: true, retried: false },
  BW_NO_ENDPOINT: { rejection: true, retried: false },
  // Transient by nature, as a pool's "no connection free" is: retried.
  BW_SATURATED: { rejection: true, retried: true },
  BW_CLOSED: { rejection: true, retried: false },
  // Bad options or config: no retry will fix it, but the dependency may well have been reached.
  BW_CONFIG: { rejection: false, retried: false },
  BW_TIMEOUT: { rejection: false, retried: true },
};

/** Codes of Breakwater's rejections (see {@link isRejection}). */
export const REJECTION_CODES: ReadonlySet<string> = new Set(Object.keys(CODES).filter((c) => CODES[c]!.rejection));

/** Breakwater codes the default `retryOn` does not retry: load-shedding decisions, bad config, closed. */
export const NOT_RETRIED_CODES: ReadonlySet<string> = new Set(Object.keys(CODES).filter((c) => !CODES[c]!.retried));

/**
 * True for Breakwater's own rejections (open or isolated breaker, full bulkhead, rate limit, no
 * endpoint, saturated balancer, closed closeable) — also those of another installed copy of the
 * library (recognised by code and brand, see `isBreakwaterError`): the protected dependency was
 * never called, so they say nothing about its health. Never throws.
 */
export function isRejection(error: unknown): boolean {
  const code = breakwaterCodeOf(error);
  return code !== undefined && REJECTION_CODES.has(code);
}

/** Transport error codes of a timeout (Node sockets, axios, undici). */
const TIMEOUT_CODES: ReadonlySet<string> = new Set([
  'BW_TIMEOUT',
  'ETIMEDOUT',
  'ECONNABORTED',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/**
 * True when an error reads as a timeout for telemetry: {@link isTimeout} (Breakwater's
 * `TimeoutError`, a `TimeoutError` DOMException) or a transport timeout code, on the error or up
 * to three `cause`s deep. Broader than `isTimeout`, which decides how a breaker counts an attempt.
 * Never throws.
 */
export function isTimeoutLike(error: unknown): boolean {
  try {
    for (
      let e = error, depth = 0;
      typeof e === 'object' && e !== null && depth < 4;
      e = (e as { cause?: unknown }).cause, depth++
    ) {
      const code = (e as { code?: unknown }).code;
      if ((typeof code === 'string' && TIMEOUT_CODES.has(code)) || isTimeout(e)) return true;
    }
  } catch {
    // A hostile value (revoked Proxy, throwing getter) is no timeout.
  }
  return false;
}

/** Gauge value of each breaker state: 0 closed, 1 open, 2 half-open, 3 isolated (Prometheus and OpenTelemetry). */
export const STATE_VALUE: Readonly<Record<BreakerState, number>> = Object.freeze({
  closed: 0,
  open: 1,
  'half-open': 2,
  isolated: 3,
});
