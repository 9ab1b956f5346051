import axios, { AxiosError } from 'axios';
import { withResilience } from '@breakwater/axios';
import type { Endpoint, LoadBalancer, Policy } from '@breakwater/core';
import type { UpstreamReply } from './reply.js';
import { propagateTrace } from './trace-context.js';

/** REST calls to replicas through `@breakwater/axios` (an axios instance with resilience installed). */
export function axiosClient(balancer: LoadBalancer, policy: Policy, endpointOf: (url: string | undefined) => Endpoint | undefined): { call: (n: number, signal: AbortSignal) => Promise<UpstreamReply>; eject: () => void } {
  // No redirects: an upstream must not send the gateway to an address of its choosing.
  const instance = axios.create({ responseType: 'text', transformResponse: (d: unknown) => d, maxRedirects: 0 });
  const eject = withResilience(instance, { policy, balancer, propagate: propagateTrace });
  const call = async (n: number, signal: AbortSignal): Promise<UpstreamReply> => {
    try {
      const res = await instance.get<string>(`/api/work?n=${n}`, { signal });
      return { status: res.status, endpoint: endpointOf(res.config.url), body: String(res.data) };
    } catch (e) {
      if (e instanceof AxiosError && e.response) {
        return { status: e.response.status, endpoint: endpointOf(e.response.config.url), body: String(e.response.data) };
      }
      throw e;
    }
  };
  return { call, eject };
}
