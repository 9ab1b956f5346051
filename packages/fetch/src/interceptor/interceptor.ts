import { ConfigError, type LoadBalancer, type Policy } from '@breakwater/core';
import { defaultIsFailure } from '@breakwater/core/internal';
import type { Dispatcher } from 'undici';
import { InterceptedCall, type CallSettings } from './call.js';
import { PolicyCache } from './policy-cache.js';

/** Options of {@link breakwaterInterceptor}. */
export interface BreakwaterInterceptorOptions {
  /**
   * The policy for requests to `origin` (`https://api.example.com:8443`), or undefined to let
   * them pass untouched. Called once per origin while the origin stays among the `maxOrigins`
   * most recently used; typically `(origin) => pipeline(retry(), circuitBreaker({ name: origin }), timeout(5000))`.
   */
  policyFor: (origin: string) => Policy | undefined;
  /**
   * Sends every request dispatched through this interceptor to the picked endpoint's origin (its
   * URL's path is prefixed), each attempt possibly to another endpoint. Compose it on a dispatcher
   * used for that one service. `policyFor` still receives the request's own origin.
   */
  balancer?: LoadBalancer;
  /** Default: network errors, timeouts, 5xx, 408, 429 (as `createFetch`). */
  isFailure?: (errorOrResponse: unknown) => boolean;
  /** Retry POST/PATCH without an `Idempotency-Key` header. Default false. */
  retryNonIdempotent?: boolean;
  /** Caps a server's Retry-After before the retry policy sees it. */
  maxRetryAfterMs?: number;
  /** How many origins' policies are kept (least recently used dropped first). Default 1000. */
  maxOrigins?: number;
  /** Called with an origin's policy when it is dropped from the cache (e.g. to dispose its breaker). */
  onEvict?: (origin: string, policy: Policy) => void;
}

function originOf(o: Dispatcher.DispatchOptions['origin']): string {
  if (o === undefined) return '';
  if (typeof o === 'string') return o.endsWith('/') ? o.slice(0, -1) : o;
  return o.origin;
}

/**
 * An undici interceptor (undici ≥ 7, `Dispatcher.compose`) that gives every request through a
 * dispatcher Breakwater's policies, without wrapping call sites:
 *
 * ```ts
 * import { Agent, setGlobalDispatcher } from 'undici';
 * setGlobalDispatcher(new Agent().compose(breakwaterInterceptor({ policyFor: (origin) => policies.get(origin) })));
 * ```
 *
 * Classification is `createFetch`'s: 5xx, 408, 429, network errors and timeouts are failures
 * (retried, counted); other statuses pass through. GET/HEAD/OPTIONS/PUT/DELETE/TRACE are retried,
 * others only with `Idempotency-Key` or `retryNonIdempotent`; a streamed request body is sent once.
 * Retry-After is honoured. A failed attempt's response is closed; when retries run out the caller
 * receives the last response (e.g. the 503) or the last error; policy rejections
 * (`BrokenCircuitError`, `TimeoutError`, ...) reach the caller as the request's error (fetch:
 * `TypeError('fetch failed')` with it as `cause`; `request()`: the error itself).
 */
export function breakwaterInterceptor(options: BreakwaterInterceptorOptions): Dispatcher.DispatcherComposeInterceptor {
  const o = validate(options);
  const policies = new PolicyCache(o.policyFor, o.maxOrigins ?? 1000, o.onEvict);
  const settings: CallSettings = {
    balancer: o.balancer,
    isFailure: o.isFailure ?? defaultIsFailure,
    retryNonIdempotent: o.retryNonIdempotent ?? false,
    maxRetryAfterMs: o.maxRetryAfterMs,
  };
  return (dispatch) => (opts, handler) => {
    // Upgrades (WebSocket) and CONNECT tunnels are not request/response calls.
    if (opts.upgrade !== undefined && opts.upgrade !== null && opts.upgrade !== false) return dispatch(opts, handler);
    if (opts.method === 'CONNECT') return dispatch(opts, handler);
    const policy = policies.get(originOf(opts.origin));
    if (policy === undefined && settings.balancer === undefined) return dispatch(opts, handler);
    new InterceptedCall(dispatch, opts, handler as Dispatcher.DispatchHandler, policy, settings).start();
    return true;
  };
}

function validate(options: BreakwaterInterceptorOptions): BreakwaterInterceptorOptions {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigError(
      'breakwaterInterceptor',
      `expected an options object { policyFor, balancer? }, got ${options === null ? 'null' : typeof options}`,
    );
  }
  if (typeof options.policyFor !== 'function') {
    throw new ConfigError(
      'breakwaterInterceptor.policyFor',
      `expected a function (origin) => Policy | undefined, got ${typeof options.policyFor}`,
    );
  }
  const b = options.balancer as unknown as Record<string, unknown> | undefined;
  if (
    b !== undefined &&
    (typeof b !== 'object' || b === null || typeof b.execute !== 'function' || typeof b.pick !== 'function')
  ) {
    throw new ConfigError('breakwaterInterceptor.balancer', 'expected a LoadBalancer (from loadBalancer())');
  }
  if (options.isFailure !== undefined && typeof options.isFailure !== 'function') {
    throw new ConfigError(
      'breakwaterInterceptor.isFailure',
      `expected a function (errorOrResponse) => boolean, got ${typeof options.isFailure}`,
    );
  }
  if (options.retryNonIdempotent !== undefined && typeof options.retryNonIdempotent !== 'boolean') {
    throw new ConfigError(
      'breakwaterInterceptor.retryNonIdempotent',
      `expected a boolean, got ${typeof options.retryNonIdempotent}`,
    );
  }
  const m = options.maxRetryAfterMs;
  if (m !== undefined && !(typeof m === 'number' && Number.isFinite(m) && m >= 0)) {
    throw new ConfigError(
      'breakwaterInterceptor.maxRetryAfterMs',
      `expected a non-negative number of milliseconds, got ${String(m)}`,
    );
  }
  const n = options.maxOrigins;
  if (n !== undefined && !(typeof n === 'number' && Number.isInteger(n) && n > 0)) {
    throw new ConfigError('breakwaterInterceptor.maxOrigins', `expected a positive integer, got ${String(n)}`);
  }
  if (options.onEvict !== undefined && typeof options.onEvict !== 'function') {
    throw new ConfigError(
      'breakwaterInterceptor.onEvict',
      `expected a function (origin, policy) => void, got ${typeof options.onEvict}`,
    );
  }
  return options;
}
