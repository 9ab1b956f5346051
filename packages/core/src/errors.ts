/**
 * Brand carried by every {@link BreakwaterError} (on its prototype). A registered symbol, so errors
 * from another installed copy of @breakwater/core carry the same brand and
 * {@link isBreakwaterError} still recognises them where `instanceof` cannot.
 */
export const BREAKWATER_ERROR_BRAND: unique symbol = Symbol.for('breakwater.error') as never;

/** Base class of every error Breakwater raises itself. `code` is stable and machine-readable. */
export class BreakwaterError extends Error {
  readonly code: string;
  declare readonly [BREAKWATER_ERROR_BRAND]: true;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}
Object.defineProperty(BreakwaterError.prototype, BREAKWATER_ERROR_BRAND, { value: true });

/** The breaker is open, or half-open with no probe slot free. */
export class BrokenCircuitError extends BreakwaterError {
  /** Breaker name. */
  readonly breaker: string;
  /** Milliseconds until the breaker may admit a probe, when known. */
  readonly retryAfterMs: number | undefined;
  constructor(breaker: string, message?: string, retryAfterMs?: number, code = 'BW_CIRCUIT_OPEN') {
    super(code, message ?? `circuit "${breaker}" is open`);
    this.breaker = breaker;
    this.retryAfterMs = retryAfterMs;
  }
}

/** The breaker was isolated by hand (`isolate()`), locally or fleet-wide. */
export class IsolatedCircuitError extends BrokenCircuitError {
  constructor(breaker: string) {
    super(breaker, `circuit "${breaker}" is isolated`, undefined, 'BW_CIRCUIT_ISOLATED');
  }
}

/** A timeout policy fired before the call settled. */
export class TimeoutError extends BreakwaterError {
  readonly timeoutMs: number;
  constructor(timeoutMs: number) {
    super('BW_TIMEOUT', `operation timed out after ${timeoutMs}ms`);
    this.timeoutMs = timeoutMs;
  }
}

/** Why a concurrency limiter rejected: a fixed `bulkhead` was full, or an `adaptiveConcurrency` limit was reached. */
export type BulkheadRejectionReason = 'bulkhead full' | 'adaptive limit';

/**
 * The bulkhead had no free slot and its queue was full. `reason` tells a fixed `bulkhead()`
 * (`'bulkhead full'`) from an `adaptiveConcurrency()` limiter (`'adaptive limit'`), whose
 * `maxConcurrent` is the limit in force when the call was rejected.
 */
export class BulkheadRejectedError extends BreakwaterError {
  readonly reason: BulkheadRejectionReason;
  /** Calls allowed to run at once when the call was rejected. */
  readonly maxConcurrent: number;
  readonly maxQueue: number;
  constructor(maxConcurrent: number, maxQueue: number, reason: BulkheadRejectionReason = 'bulkhead full') {
    super(
      'BW_BULKHEAD_FULL',
      reason === 'adaptive limit'
        ? `adaptive concurrency limit reached: ${maxConcurrent} running and ${maxQueue} queued`
        : `bulkhead full: ${maxConcurrent} running and ${maxQueue} queued`,
    );
    this.reason = reason;
    this.maxConcurrent = maxConcurrent;
    this.maxQueue = maxQueue;
  }
}

/** The token bucket was empty. */
export class RateLimitedError extends BreakwaterError {
  readonly retryAfterMs: number;
  constructor(retryAfterMs: number) {
    super('BW_RATE_LIMITED', `rate limited; next token in ${Math.ceil(retryAfterMs)}ms`);
    this.retryAfterMs = retryAfterMs;
  }
}

/**
 * Why a balancer could not pick an endpoint. (Saturation — every candidate at `maxConnections` —
 * is not among them: such calls wait in the balancer's queue, see {@link SaturatedError}.)
 */
export type NoEndpointReason = 'empty' | 'open' | 'draining' | 'unhealthy';

/** The balancer had nothing to pick. */
export class NoHealthyEndpointError extends BreakwaterError {
  readonly reason: NoEndpointReason;
  constructor(reason: NoEndpointReason, message?: string) {
    super('BW_NO_ENDPOINT', message ?? `no endpoint available (${reason})`);
    this.reason = reason;
  }
}

/**
 * Every candidate endpoint was at `maxConnections` and the balancer's wait queue was full, or the
 * wait timed out. Retryable: the default `retryOn` retries it.
 */
export class SaturatedError extends BreakwaterError {
  /** Why the call was not queued or stopped waiting. */
  readonly reason: 'queue full' | 'wait timeout';
  constructor(reason: 'queue full' | 'wait timeout', message?: string) {
    super('BW_SATURATED', message ?? `every endpoint is at maxConnections (${reason})`);
    this.reason = reason;
  }
}

/** New work was offered to a balancer, breaker, store, fetch or other closeable after `close()`. */
export class ClosedError extends BreakwaterError {
  /** What was closed, e.g. `circuit "payments"` or `balancer "api"`. */
  readonly target: string;
  constructor(target: string) {
    super('BW_CLOSED', `${target} is closed`);
    this.target = target;
  }
}

/**
 * Bad options or config. `path` names the field (`circuitBreaker.halfOpenAfterMs`,
 * `load_balancer.servers[0].weight`).
 */
export class ConfigError extends BreakwaterError {
  readonly path: string;
  /** Every problem found, when several were collected at once (config files). */
  readonly issues: ReadonlyArray<{ path: string; message: string }>;
  constructor(path: string, message: string, issues?: ReadonlyArray<{ path: string; message: string }>) {
    super('BW_CONFIG', path ? `${path}: ${message}` : message);
    this.path = path;
    this.issues = issues ?? [{ path, message }];
  }
}

/**
 * True for errors raised by Breakwater itself (rejections, timeouts, config) — also those of
 * another installed copy of @breakwater/core, recognised by their brand
 * (`Symbol.for('breakwater.error')`) and a `code` starting with `BW_`. Never throws, whatever
 * `e` is (revoked proxies, throwing getters).
 */
export function isBreakwaterError(e: unknown): e is BreakwaterError {
  if (typeof e !== 'object' || e === null) return false;
  try {
    if (e instanceof BreakwaterError) return true;
    const code = (e as { code?: unknown }).code;
    return (
      (e as { [BREAKWATER_ERROR_BRAND]?: unknown })[BREAKWATER_ERROR_BRAND] === true &&
      typeof code === 'string' &&
      code.startsWith('BW_')
    );
  } catch {
    return false;
  }
}

/** The `code` of a Breakwater error (of any installed copy), else undefined. Never throws. */
export function breakwaterCodeOf(e: unknown): string | undefined {
  return isBreakwaterError(e) ? e.code : undefined;
}
