import { ConfigError, type AttemptContext, type Endpoint } from '@breakwater/core';
import {
  AttemptAbort,
  IDEMPOTENT_METHODS,
  attemptSignal,
  isAbortableAttempt,
  isRetryableRequest,
  joinUrl,
  redactUrl,
  resilientCall,
  resolveHttpAdapterOptions,
  resolvePoolingOption,
  resolveStickyKey,
  resolveTracePropagator,
  splitCredentials,
  traceHeaders,
  type HttpAdapterOptions,
} from '@breakwater/core/internal';
import type { EndpointDispatcher as Pool } from './endpoint-dispatcher.js';
import { AbortableDispatch } from './dispatch-abort.js';
import { linkBody } from './linked-body.js';
import { UndiciEndpointPools, type FetchPoolingOption } from './pools.js';
import { isRelative, normaliseRequest, type NormalisedRequest } from './request.js';

/** Options of {@link createFetch}. */
export interface CreateFetchOptions extends HttpAdapterOptions {
  /** The fetch to wrap. Default `globalThis.fetch`. */
  fetch?: typeof fetch;
  /**
   * Keep-alive pools per balanced endpoint (an undici `Pool`, `connections = endpoint.maxConnections`;
   * redirects to other origins go through an `Agent` of their own), passed to fetch as `dispatcher`.
   * Default `true` when a balancer is set.
   */
  pooling?: FetchPoolingOption;
}

/** A fetch with resilience; `close()` releases its per-endpoint connection pools. */
export type ResilientFetch = typeof fetch & {
  /** Closes the per-endpoint pools (in-flight requests finish first) and stops listening to the balancer. */
  close(): Promise<void>;
};

/**
 * The request as instrumentations (`@breakwater/otel`) read it from `ctx.context.http`. Headers
 * are materialised only if someone reads them.
 */
class HttpDescription {
  constructor(private readonly req: NormalisedRequest) {}
  get method(): string {
    return this.req.method;
  }
  get url(): string {
    return this.req.url;
  }
  get headers(): Record<string, string> {
    const out: Record<string, string> = {};
    this.req.headers.forEach((v, k) => {
      out[k] = v;
    });
    return out;
  }
}

function cancelBody(response: Response): void {
  // An unread body keeps its socket busy; cancel it so the connection is reused or closed.
  const body = response.body;
  if (body !== null && !body.locked) body.cancel().catch(() => undefined);
}

/**
 * Wraps fetch with a policy (retries, breaker, timeout, ...) and an optional load balancer, keeping
 * fetch's signature and semantics: it resolves with a `Response` for every HTTP status (after
 * retries, the last one, e.g. a 503) and rejects only on network errors (the last one), the
 * caller's abort, or a Breakwater rejection (`BrokenCircuitError`, `TimeoutError`, ...).
 *
 * @example
 * const fetch = createFetch({ policy: pipeline(retry(), circuitBreaker({ name: 'api' }), timeout(2000)) });
 * const res = await fetch('https://api.example.com/users/1');
 */
export function createFetch(options: CreateFetchOptions = {}): ResilientFetch {
  const o = resolveHttpAdapterOptions(options, 'createFetch');
  const baseFetch = options.fetch ?? globalThis.fetch;
  if (typeof baseFetch !== 'function') {
    throw new ConfigError('createFetch.fetch', `expected a fetch function, got ${typeof options.fetch}`);
  }
  const pooling = resolvePoolingOption(options.pooling, 'createFetch.pooling', [
    'connections',
    'keepAliveTimeoutMs',
  ] as const);
  const pools =
    o.balancer !== undefined && pooling !== false
      ? new UndiciEndpointPools(o.balancer, typeof pooling === 'object' ? pooling : undefined)
      : undefined;
  const mayRetry = (method: string, headers: Headers): boolean =>
    isRetryableRequest(method, headers, o.retryNonIdempotent);

  // Not async: it runs once per attempt (bench:adapters); a synchronous throw reaches resilientCall,
  // which makes it the attempt's rejection.
  const send = (
    req: NormalisedRequest,
    relative: boolean,
    endpoint: Endpoint | undefined,
    ctx: AttemptContext,
    attempt: AttemptContext,
  ): Promise<Response> => {
    const propagate = resolveTracePropagator(o.propagate);
    // The propagator loads once (a dynamic import): the first requests wait for it.
    if (propagate instanceof Promise) return propagate.then(() => send(req, relative, endpoint, ctx, attempt));
    const trace = traceHeaders(propagate, attempt);
    // No headers of ours for a request that has none: fetch would copy an empty Headers for nothing.
    let headers: Headers | undefined = req.headersGiven ? req.headers : undefined;
    if (trace !== undefined) {
      headers = new Headers(headers);
      for (const k in trace) headers.set(k, trace[k]!);
    }
    const init: RequestInit & { dispatcher?: unknown; duplex?: 'half' } =
      req.init === undefined ? { method: req.method } : { ...req.init, method: req.method };
    if (headers !== undefined) init.headers = headers;
    if (req.body !== undefined) init.body = req.body;
    if (req.oneShot) init.duplex = 'half';
    let target: RequestInfo | URL = req.url;
    let pool: Pool | undefined;
    if (endpoint !== undefined && relative) {
      const split = splitCredentials(joinUrl(endpoint.url, req.url));
      target = split.url;
      if (split.authorization !== undefined && headers?.has('authorization') !== true) {
        headers = new Headers(headers);
        headers.set('authorization', split.authorization);
        init.headers = headers;
      }
      pool = pools?.get(endpoint);
      if (pool !== undefined) init.dispatcher = pool;
    } else if (req.request !== undefined) {
      target = req.request.clone();
    }
    if (pool !== undefined && req.signal === undefined) {
      // No caller signal, and a pool we own: a timeout or hedge aborts the attempt through the pool,
      // watching the attempt's context — fetch gets no signal (see AbortableDispatch).
      if (!isAbortableAttempt(ctx)) return baseFetch(target, init);
      const view = new AbortableDispatch(pool, ctx);
      init.dispatcher = view;
      let sent: Promise<Response>;
      try {
        sent = baseFetch(target, init);
      } catch (e) {
        view.release();
        throw e;
      }
      return sent.then(view.releaseWith, view.releaseThrowing);
    }
    let signal = attemptSignal(ctx);
    // Through a foreign balancer the attempt's signal may be a signal-like object
    // (lazyBalancerSignal); fetch itself needs a real AbortSignal, which the policy's attempt gives.
    if (signal !== undefined && !(signal instanceof AbortSignal)) signal = attemptSignal(attempt);
    // Fast path: no caller signal, or the attempt's signal is the caller's own (no timeout or hedge
    // forked it), so fetch itself ties the body to it.
    if (signal === undefined || req.signal === undefined || signal === req.signal) {
      if (signal !== undefined) init.signal = signal;
      return baseFetch(target, init);
    }
    // The attempt runs on a fork that is unlinked from the caller's signal once the attempt
    // settles: give fetch a signal that the caller's abort still reaches while the body is read.
    const link = new AttemptAbort(req.signal, signal);
    init.signal = link.signal;
    let sent: Promise<Response>;
    try {
      sent = baseFetch(target, init);
    } catch (e) {
      link.release();
      throw e;
    }
    return sent.then(
      (res) => linkBody(res, link),
      (e: unknown) => {
        link.release();
        throw e;
      },
    );
  };

  const call = (req: NormalisedRequest): Promise<Response> => {
    const relative = isRelative(req.url);
    if (relative && o.balancer === undefined) {
      throw new TypeError(`Failed to parse URL from ${redactUrl(req.url)}: relative URLs need a balancer`);
    }
    // Idempotent methods are retryable whatever the headers: don't build a Headers to find out.
    const retryable = !req.oneShot && (IDEMPOTENT_METHODS.has(req.method) || mayRetry(req.method, req.headers));
    const key =
      o.stickyKey === undefined
        ? undefined
        : resolveStickyKey(o.stickyKey, { method: req.method, url: req.url, headers: req.headers });
    return resilientCall<Response>({
      policy: o.policy,
      balancer: relative ? o.balancer : undefined,
      retryable,
      isFailure: o.isFailure,
      signal: req.signal,
      lazyBalancerSignal: true,
      key,
      maxRetryAfterMs: o.maxRetryAfterMs,
      context: { http: new HttpDescription(req) },
      send: (endpoint, ctx, attempt) => send(req, relative, endpoint, ctx, attempt),
      discard: cancelBody,
    });
  };

  // Not an async function: returning resilientCall's promise from one would add two promise jobs
  // per call; synchronous throws still reach the caller as rejections, as fetch's do.
  const resilientFetch = (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    try {
      const normalised = normaliseRequest(input, init, mayRetry);
      return normalised instanceof Promise ? normalised.then(call) : call(normalised);
    } catch (e) {
      return Promise.reject(e);
    }
  };

  return Object.assign(resilientFetch as typeof fetch, {
    close: (): Promise<void> => pools?.close() ?? Promise.resolve(),
  });
}
