import { createFetch } from '@breakwater/fetch';
import type { LoadBalancer, Policy } from '@breakwater/core';
import type { UpstreamReply } from './reply.js';

/** REST calls to replicas through `@breakwater/fetch` (retries, hedging, balancing). */
export function fetchClient(balancer: LoadBalancer, policy: Policy): (n: number, signal: AbortSignal) => Promise<UpstreamReply> {
  const bwFetch = createFetch({ policy, balancer });
  return async (n, signal) => {
    const res = await bwFetch(`/api/work?n=${n}`, { signal });
    const body = await res.text();
    return { status: res.status, replica: res.headers.get('x-replica-id') ?? undefined, region: res.headers.get('x-region') ?? undefined, body };
  };
}
