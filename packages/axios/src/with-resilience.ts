import { ConfigError } from '@breakwater/core';
import { resolveHttpAdapterOptions, resolvePoolingOption, type HttpAdapterOptions } from '@breakwater/core/internal';
import type { AxiosAdapter, AxiosInstance, InternalAxiosRequestConfig } from 'axios';
import { AgentPools, type AxiosPoolingOption } from './agents.js';
import { validateRequestOptions } from './request-options.js';
import { resilientAdapter } from './resilient-adapter.js';

/** Options of {@link withResilience}. */
export interface WithResilienceOptions extends HttpAdapterOptions {
  /**
   * Keep-alive agents per balanced endpoint (`maxSockets = endpoint.maxConnections`), set as the
   * attempt's `httpAgent`/`httpsAgent`. Default `true` when a balancer is set.
   */
  pooling?: AxiosPoolingOption;
}

const DEFAULT_ADAPTERS = ['xhr', 'http', 'fetch'] as const;

/** Installed adapter → the `defaults` object of the instance it was installed on. */
const owners = new WeakMap<AxiosAdapter, object>();

/**
 * Adds resilience to an axios instance (from `axios.create()` or the default `axios`): a request
 * interceptor validates per-request options (`config.breakwater`) and marks the instance's
 * requests, and a wrapper around the instance's resolved adapter runs every marked request through
 * `policy` and `balancer`. Retries happen inside the adapter, after interceptors and
 * `transformRequest` ran once, so headers, auth and bodies are not re-processed.
 *
 * Only requests made through `instance` are affected. Instances made later with `axios.create()`
 * copy the default instance's adapter; requests they send pass through it untouched. Wrapping an
 * instance that is already wrapped throws a `ConfigError` (attempts would multiply).
 *
 * Errors: upstream failures reach the caller as axios' own `AxiosError` (the last one after
 * retries); policy rejections as Breakwater errors (`BrokenCircuitError`, `TimeoutError`,
 * `BulkheadRejectedError`, `NoHealthyEndpointError`, `SaturatedError`); a caller's abort as axios'
 * `CanceledError`. `response.config` and `error.config` are the caller's config.
 *
 * @returns eject: removes the interceptor and restores the original adapter; afterwards the instance
 *          behaves exactly as before. Also closes the per-endpoint agents.
 * @example
 * const api = axios.create({ baseURL: 'https://api.example.com' });
 * const eject = withResilience(api, { policy: pipeline(retry(), circuitBreaker({ name: 'api' }), timeout(2000)) });
 */
export function withResilience(instance: AxiosInstance, options: WithResilienceOptions): () => void {
  if (typeof instance !== 'function' && (typeof instance !== 'object' || instance === null)) {
    throw new ConfigError(
      'withResilience.instance',
      `expected an axios instance (axios or axios.create()), got ${instance === null ? 'null' : typeof instance}`,
    );
  }
  if (typeof instance.interceptors?.request?.use !== 'function' || typeof instance.defaults !== 'object') {
    throw new ConfigError(
      'withResilience.instance',
      'expected an axios instance (axios or axios.create()), got an object without interceptors/defaults',
    );
  }
  const current = instance.defaults.adapter;
  if (typeof current === 'function' && owners.get(current) === instance.defaults) {
    throw new ConfigError(
      'withResilience.instance',
      'expected an instance not wrapped yet: this one already has withResilience installed ' +
        '(call its eject() first; two wrappers multiply attempts)',
    );
  }
  const o = resolveHttpAdapterOptions(options, 'withResilience');
  const pooling = resolvePoolingOption(options?.pooling, 'withResilience.pooling', [
    'maxSockets',
    'keepAliveMsecs',
  ] as const);
  const pools =
    o.balancer !== undefined && pooling !== false
      ? new AgentPools(o.balancer, typeof pooling === 'object' ? pooling : undefined)
      : undefined;
  const original = current;
  let active = true;

  // Which requests are this instance's (other instances can share the adapter: axios.create() and
  // instance.create() copy `defaults.adapter`). Two ways, chosen per request by our interceptor:
  // - Handoff: when every request interceptor is synchronous, axios runs the interceptors, then
  //   dispatchRequest and the adapter in one synchronous call, so a flag set by our interceptor is
  //   read by the adapter call of the same request. Why: a mark on the config costs axios a
  //   property check per request (its safe-config test runs over every own key and symbol) —
  //   ~2 points of throughput in bench:adapters. Cost: a request that dies between the two (a
  //   throwing transformRequest) leaves the flag set for the next adapter call.
  // - Mark: an enumerable symbol on the config, which survives interceptors that copy the config
  //   (`{ ...config }`); the adapter clears it. Used for the default axios instance (whose adapter
  //   every later axios.create() copies), when an interceptor is asynchronous, and from the first
  //   request seen that is not this instance's (the adapter is shared).
  const mark = Symbol('breakwater.axios.request');
  type Marked = InternalAxiosRequestConfig & { [mark]?: true };
  let shared = isDefaultInstance(instance);
  let armed = false;
  const owns = (config: InternalAxiosRequestConfig): boolean => {
    if (armed) {
      armed = false;
      return true;
    }
    if ((config as Marked)[mark] !== true) {
      // Another instance's request through this adapter: mark ours from now on.
      shared = true;
      return false;
    }
    // Not `delete` (keeps the config's shape); an undefined mark is invisible to Object.keys.
    (config as { [mark]?: true | undefined })[mark] = undefined;
    return true;
  };
  const adapter = resilientAdapter(o, pools, original ?? [...DEFAULT_ADAPTERS], owns, () => active);

  const interceptorId = instance.interceptors.request.use(
    (config) => {
      validateRequestOptions(config.breakwater);
      // A per-request adapter of the caller's: ours never sees this request.
      if (config.adapter !== undefined && config.adapter !== adapter) return config;
      // A request cancelled before it is sent never reaches an adapter: mark it rather than arm.
      const cancelled = (config.signal as { aborted?: unknown } | undefined)?.aborted === true;
      if (!shared && !cancelled && allSynchronous(instance.interceptors.request)) armed = true;
      else (config as Marked)[mark] = true;
      return config;
    },
    undefined,
    { synchronous: true },
  );
  instance.defaults.adapter = adapter;
  owners.set(adapter, instance.defaults);

  return function eject(): void {
    if (!active) return;
    active = false;
    instance.interceptors.request.eject(interceptorId);
    owners.delete(adapter);
    // If another wrapper was installed on top of ours, leave it in place; ours now passes through.
    if (instance.defaults.adapter === adapter) instance.defaults.adapter = original;
    pools?.close();
  };
}

/** True for the default export of axios (it carries the static helpers; created instances do not). */
function isDefaultInstance(instance: AxiosInstance): boolean {
  return typeof (instance as { isAxiosError?: unknown }).isAxiosError === 'function';
}

/** Whether axios will run this manager's interceptors and the adapter in one synchronous call. */
function allSynchronous(manager: unknown): boolean {
  const handlers = (manager as { handlers?: Array<{ synchronous?: boolean } | null> }).handlers;
  if (!Array.isArray(handlers)) return false;
  for (let i = 0; i < handlers.length; i++) {
    const h = handlers[i];
    if (h !== null && h !== undefined && h.synchronous !== true) return false;
  }
  return true;
}
