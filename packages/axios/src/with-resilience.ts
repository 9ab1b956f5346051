import {
  ConfigError, attemptSignal, isAbsoluteUrl, isRetryableRequest, joinUrl, resilientCall, resolveHttpAdapterOptions, resolvePoolingOption, resolveStickyKey,
  resolveTracePropagator, traceHeaders, type AttemptContext, type Endpoint, type HttpAdapterOptions,
} from '@breakwater/core';
import {
  AxiosHeaders, getAdapter, isCancel, type AxiosAdapter, type AxiosInstance, type AxiosResponse, type InternalAxiosRequestConfig,
} from 'axios';
import { AgentPools, type AxiosPoolingOption } from './agents.js';
import { validateRequestOptions } from './request-options.js';

/** Options of {@link withResilience}. */
export interface WithResilienceOptions extends HttpAdapterOptions {
  /**
   * Keep-alive agents per balanced endpoint (`maxSockets = endpoint.maxConnections`), set as the
   * attempt's `httpAgent`/`httpsAgent`. Default `true` when a balancer is set.
   */
  pooling?: AxiosPoolingOption;
}

const DEFAULT_ADAPTERS = ['xhr', 'http', 'fetch'] as const;


function isStream(data: unknown): boolean {
  return typeof data === 'object' && data !== null && typeof (data as { pipe?: unknown }).pipe === 'function';
}

/** The URL axios would request, before our balancer resolves it (mirrors axios' buildFullPath). */
function fullPath(config: InternalAxiosRequestConfig): string {
  const url = config.url ?? '';
  const base = config.baseURL;
  return base !== undefined && base !== '' && (!isAbsoluteUrl(url) || config.allowAbsoluteUrls === false) ? joinUrl(base, url) : url;
}

/**
 * Adds resilience to an axios instance (from `axios.create()` or the default `axios`): a request
 * interceptor validates per-request options (`config.breakwater`), and a wrapper around the
 * instance's resolved adapter runs every request through `policy` and `balancer`. Retries happen
 * inside the adapter, after interceptors and `transformRequest` ran once, so headers, auth and
 * bodies are not re-processed.
 *
 * Errors: upstream failures reach the caller as axios' own `AxiosError` (the last one after
 * retries); policy rejections as Breakwater errors (`BrokenCircuitError`, `TimeoutError`,
 * `BulkheadRejectedError`, `NoHealthyEndpointError`).
 *
 * @returns eject: removes the interceptor and restores the original adapter; afterwards the instance
 *          behaves exactly as before. Also closes the per-endpoint agents.
 * @example
 * const api = axios.create({ baseURL: 'https://api.example.com' });
 * const eject = withResilience(api, { policy: pipeline(retry(), circuitBreaker({ name: 'api' }), timeout(2000)) });
 */
export function withResilience(instance: AxiosInstance, options: WithResilienceOptions): () => void {
  if (typeof instance !== 'function' && (typeof instance !== 'object' || instance === null)) {
    throw new ConfigError('withResilience.instance', `expected an axios instance (axios or axios.create()), got ${instance === null ? 'null' : typeof instance}`);
  }
  if (typeof instance.interceptors?.request?.use !== 'function' || typeof instance.defaults !== 'object') {
    throw new ConfigError('withResilience.instance', 'expected an axios instance (axios or axios.create()), got an object without interceptors/defaults');
  }
  const o = resolveHttpAdapterOptions(options, 'withResilience');
  const pooling = resolvePoolingOption(options?.pooling, 'withResilience.pooling', ['maxSockets', 'keepAliveMsecs'] as const);
  const pools = o.balancer !== undefined && pooling !== false
    ? new AgentPools(o.balancer, typeof pooling === 'object' ? pooling : undefined)
    : undefined;
  const original = instance.defaults.adapter;
  const originalAdapters = original ?? [...DEFAULT_ADAPTERS];
  // A cancel (CancelToken, or the caller's signal) is the caller's decision, never the upstream's fault.
  const isFailure = (x: unknown): boolean => !isCancel(x) && o.isFailure(x);
  let active = true;

  const send = async (base: AxiosAdapter, config: InternalAxiosRequestConfig, relative: string | undefined,
                      endpoint: Endpoint | undefined, ctx: AttemptContext, outer: AttemptContext): Promise<AxiosResponse> => {
    const signal = attemptSignal(ctx);
    const attempt: InternalAxiosRequestConfig = { ...config, signal: signal ?? config.signal };
    if (endpoint !== undefined && relative !== undefined) {
      attempt.url = joinUrl(endpoint.url, relative);
      attempt.baseURL = undefined;
      const agent = pools?.get(endpoint);
      if (agent !== undefined) {
        if (attempt.url.startsWith('https:')) attempt.httpsAgent = agent;
        else attempt.httpAgent = agent;
      }
    }
    let propagate = resolveTracePropagator(o.propagate);
    if (propagate instanceof Promise) propagate = await propagate;
    const trace = traceHeaders(propagate, outer);
    if (trace !== undefined) {
      const headers = new AxiosHeaders(config.headers);
      for (const k in trace) headers.set(k, trace[k]!);
      attempt.headers = headers;
    }
    try {
      return await base(attempt);
    } catch (e) {
      // Our deadline cancelled the request: report the deadline, not axios' CanceledError.
      if (signal?.aborted === true && isCancel(e)) throw signal.reason;
      throw e;
    }
  };

  const resilientAdapter: AxiosAdapter = (config) => {
    const base = getAdapter(originalAdapters, config);
    const per = config.breakwater;
    if (!active || per?.skip === true) return base(config);
    const method = (config.method ?? 'get').toUpperCase();
    const url = fullPath(config);
    const relative = isAbsoluteUrl(url) ? undefined : url;
    const balanced = o.balancer !== undefined && relative !== undefined;
    const retryable = !isStream(config.data) && isRetryableRequest(method, config.headers, per?.retryNonIdempotent ?? o.retryNonIdempotent);
    const key = per?.key ?? (o.stickyKey === undefined ? undefined : resolveStickyKey(o.stickyKey, { method, url: config.url ?? '', headers: config.headers }));
    const signal = config.signal instanceof AbortSignal ? config.signal : undefined;
    return resilientCall<AxiosResponse>({
      policy: o.policy,
      balancer: balanced ? o.balancer : undefined,
      retryable,
      isFailure,
      signal,
      key,
      maxRetryAfterMs: o.maxRetryAfterMs,
      // What instrumentations (`@breakwater/otel`) read; headers only materialised when read.
      context: { http: { method, url, get headers() { return (config.headers as AxiosHeaders).toJSON(true) as Record<string, string>; } } },
      send: (endpoint, ctx, outer) => send(base, config, relative, endpoint, ctx, outer),
      discard: (response) => {
        const data = response.data as { destroy?: () => void } | undefined;
        if (config.responseType === 'stream' && typeof data?.destroy === 'function') data.destroy();
      },
    });
  };

  const interceptorId = instance.interceptors.request.use(
    (config) => {
      validateRequestOptions(config.breakwater);
      return config;
    },
    undefined,
    { synchronous: true },
  );
  instance.defaults.adapter = resilientAdapter;

  return function eject(): void {
    if (!active) return;
    active = false;
    instance.interceptors.request.eject(interceptorId);
    // If another wrapper was installed on top of ours, leave it in place; ours now passes through.
    if (instance.defaults.adapter === resilientAdapter) instance.defaults.adapter = original;
    pools?.close();
  };
}
