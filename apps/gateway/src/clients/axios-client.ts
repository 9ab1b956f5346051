import axios, { AxiosError, type AxiosAdapter } from 'axios';
import { withResilience } from '@breakwater/axios';
import type { Endpoint, LoadBalancer, Policy } from '@breakwater/core';
import { MAX_UPSTREAM_BODY_BYTES, type UpstreamReply } from './reply.js';
import { propagateTrace } from './trace-context.js';

/** REST calls to replicas through `@breakwater/axios` (an axios instance with resilience installed). */
export function axiosClient(
  balancer: LoadBalancer,
  policy: Policy,
  endpointOf: (url: string | undefined) => Endpoint | undefined,
): { call: (n: number, signal: AbortSignal) => Promise<UpstreamReply>; eject: () => void } {
  // No redirects: an upstream must not send the gateway to an address of its choosing.
  const instance = axios.create({
    responseType: 'text',
    transformResponse: (d: unknown) => d,
    maxRedirects: 0,
    maxContentLength: MAX_UPSTREAM_BODY_BYTES,
  });
  // The URL each attempt really called, keyed on its response object (handed back to the caller
  // as is, with the caller's config put back): that is how the serving endpoint is known.
  const calledUrl = new WeakMap<object, string>();
  const transport = axios.getAdapter(instance.defaults.adapter ?? axios.defaults.adapter);
  const recording: AxiosAdapter = async (config) => {
    try {
      const res = await transport(config);
      if (config.url !== undefined) calledUrl.set(res, config.url);
      return res;
    } catch (e) {
      if (e instanceof AxiosError && e.response && config.url !== undefined) calledUrl.set(e.response, config.url);
      throw e;
    }
  };
  instance.defaults.adapter = recording;
  const eject = withResilience(instance, { policy, balancer, propagate: propagateTrace });
  const call = async (n: number, signal: AbortSignal): Promise<UpstreamReply> => {
    try {
      const res = await instance.get<string>(`/api/work?n=${n}`, { signal });
      return { status: res.status, endpoint: endpointOf(calledUrl.get(res)), body: String(res.data) };
    } catch (e) {
      if (e instanceof AxiosError && e.response) {
        return {
          status: e.response.status,
          endpoint: endpointOf(calledUrl.get(e.response)),
          body: String(e.response.data),
        };
      }
      throw e;
    }
  };
  return { call, eject };
}
