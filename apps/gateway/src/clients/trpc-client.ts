import { createTRPCUntypedClient, httpLink, TRPCClientError, type TRPCLink } from '@trpc/client';
import type { AnyRouter } from '@trpc/server';
import { observable } from '@trpc/server/observable';
import { balancedLink, resilienceLink, type EndpointConnection } from '@breakwater/trpc';
import type { Endpoint, LoadBalancer, Policy } from '@breakwater/core';
import { boundedText, type UpstreamReply } from './reply.js';
import { currentTraceHeaders } from './trace-context.js';

/** fetch for tRPC's httpLink that refuses bodies over the relay limit instead of buffering them. */
async function boundedFetch(url: URL | RequestInfo, init?: RequestInit): Promise<Response> {
  const res = await fetch(url, init);
  const text = await boundedText(res);
  // A fresh Response (status text dropped: an upstream's odd reason phrase is not worth failing on).
  return new Response(text, { status: res.status, headers: res.headers });
}

/**
 * tRPC calls to replicas through `@breakwater/trpc`: resilienceLink (policy) → balancedLink (one
 * httpLink per endpoint). Untyped on purpose: the gateway does not import the replica's router,
 * and treats what comes back as untrusted data. Which endpoint answered is recorded by the
 * endpoint's own link (keyed on the result object), never read from the payload.
 */
export function trpcClient(
  balancer: LoadBalancer,
  policy: Policy,
): (n: number, signal: AbortSignal) => Promise<UpstreamReply> {
  const servedBy = new WeakMap<object, Endpoint>();
  // conn.url carries no credentials; conn.headers has them as Basic auth when the replica URL had some.
  const linkFor =
    (ep: Endpoint, conn: EndpointConnection): TRPCLink<AnyRouter> =>
    (runtime) => {
      const inner = httpLink({
        url: `${conn.url}/trpc`,
        headers: () => ({ ...conn.headers, ...currentTraceHeaders() }),
        fetch: boundedFetch,
      })(runtime);
      return ({ op, next }) =>
        observable((observer) =>
          inner({ op, next }).subscribe({
            next(value) {
              const data = (value.result as { data?: unknown }).data;
              if (typeof data === 'object' && data !== null) servedBy.set(data, ep);
              observer.next(value);
            },
            error: (e) => observer.error(e),
            complete: () => observer.complete(),
          }),
        );
    };
  const client = createTRPCUntypedClient<AnyRouter>({
    links: [resilienceLink<AnyRouter>({ policy }), balancedLink<AnyRouter>({ balancer, link: linkFor })],
  });
  return async (n, signal) => {
    try {
      const data: unknown = await client.query('work', { n }, { signal });
      const endpoint = typeof data === 'object' && data !== null ? servedBy.get(data) : undefined;
      return { status: 200, endpoint, body: JSON.stringify(data) ?? 'null' };
    } catch (e) {
      if (e instanceof TRPCClientError) {
        const status = (e.data as { httpStatus?: unknown } | undefined)?.httpStatus;
        if (typeof status === 'number')
          return { status, endpoint: undefined, body: JSON.stringify({ error: 'upstream error' }) };
      }
      throw e;
    }
  };
}
