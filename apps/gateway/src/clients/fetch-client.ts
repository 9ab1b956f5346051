import { createFetch } from '@breakwater/fetch';
import type { Endpoint, LoadBalancer, Policy } from '@breakwater/core';
import { boundedText, type UpstreamReply } from './reply.js';
import { propagateTrace } from './trace-context.js';

/** REST calls to replicas through `@breakwater/fetch` (retries, hedging, balancing). */
export function fetchClient(
  balancer: LoadBalancer,
  policy: Policy,
  endpointOf: (url: string) => Endpoint | undefined,
): (n: number, signal: AbortSignal) => Promise<UpstreamReply> {
  const bwFetch = createFetch({ policy, balancer, propagate: propagateTrace });
  return async (n, signal) => {
    // redirect 'manual': an upstream must not send the gateway to an address of its choosing.
    const res = await bwFetch(`/api/work?n=${n}`, { signal, redirect: 'manual' });
    const body = await boundedText(res);
    return { status: res.status, endpoint: endpointOf(res.url), body };
  };
}
