import { createTRPCClient, httpLink, TRPCClientError, type TRPCLink } from '@trpc/client';
import { balancedLink, resilienceLink, type EndpointConnection } from '@breakwater/trpc';
import type { Endpoint, LoadBalancer, Policy } from '@breakwater/core';
import type { ReplicaRouter } from '@breakwater/replica';
import type { UpstreamReply } from './reply.js';

/** tRPC calls to replicas through `@breakwater/trpc`: resilienceLink (policy) → balancedLink (one httpLink per endpoint). */
export function trpcClient(balancer: LoadBalancer, policy: Policy): (n: number, signal: AbortSignal) => Promise<UpstreamReply> {
  const links = new Map<string, TRPCLink<ReplicaRouter>>();
  // conn.url carries no credentials; conn.headers has them as Basic auth when the replica URL had some.
  const linkFor = (ep: Endpoint, conn: EndpointConnection): TRPCLink<ReplicaRouter> => {
    let l = links.get(ep.url);
    if (l === undefined) {
      l = httpLink<ReplicaRouter>({ url: `${conn.url}/trpc`, headers: conn.headers });
      links.set(ep.url, l);
    }
    return l;
  };
  const client = createTRPCClient<ReplicaRouter>({
    links: [resilienceLink<ReplicaRouter>({ policy }), balancedLink<ReplicaRouter>({ balancer, link: linkFor })],
  });
  return async (n, signal) => {
    try {
      const r = await client.work.query({ n }, { signal });
      return { status: 200, replica: r.replica, region: r.region, body: JSON.stringify(r) };
    } catch (e) {
      if (e instanceof TRPCClientError) {
        const status = (e.data as { httpStatus?: number } | undefined)?.httpStatus;
        if (typeof status === 'number') return { status, replica: undefined, region: undefined, body: JSON.stringify({ error: e.message }) };
      }
      throw e;
    }
  };
}
