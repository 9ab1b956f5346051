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

  // Requests of this instance carry this mark, set by our interceptor. An enumerable symbol: it
  // survives interceptors that copy the config (`{ ...config }`); the adapter removes it, so the
  // config handed back to the caller (and replayed through another instance) has none.
  const mark = Symbol('breakwater.axios.request');
  type Marked = InternalAxiosRequestConfig & { [mark]?: true };
  const owns = (config: InternalAxiosRequestConfig): boolean => {
    if ((config as Marked)[mark] !== true) return false;
    // Not `delete`: that turns the config into a slow dictionary object. An undefined mark is
    // skipped by axios' mergeConfig and invisible to Object.keys.
    (config as { [mark]?: true | undefined })[mark] = undefined;
    return true;
  };
  const adapter = resilientAdapter(o, pools, original ?? [...DEFAULT_ADAPTERS], owns, () => active);

  const interceptorId = instance.interceptors.request.use(
    (config) => {
      validateRequestOptions(config.breakwater);
      (config as Marked)[mark] = true;
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
