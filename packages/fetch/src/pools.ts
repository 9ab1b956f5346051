import { type Endpoint, type LoadBalancer } from '@breakwater/core';
import { EndpointPools } from '@breakwater/core/internal';
import { EndpointDispatcher } from './endpoint-dispatcher.js';

/** Connection pooling per endpoint: `true` (default with a balancer), `false`, or settings. */
export type FetchPoolingOption =
  | boolean
  | {
      /** Sockets per endpoint when the endpoint sets no `maxConnections`. Default unlimited. */
      connections?: number;
      /** How long an idle keep-alive socket is kept. Default undici's (4 s). */
      keepAliveTimeoutMs?: number;
    };

/**
 * One keep-alive pool per endpoint, with `connections = endpoint.maxConnections`, handed to fetch
 * as `dispatcher` (Node's global fetch and undici's fetch both accept it). Each is an
 * {@link EndpointDispatcher}: an undici `Pool` for the endpoint's origin and, only if a redirect
 * leads elsewhere, an `Agent` for other origins — a bare `Pool` is bound to one origin and would
 * send a redirect to origin B down a connection to endpoint A. So fetch follows cross-origin
 * redirects to the right origin (and, as the fetch spec says, drops `Authorization` on the way).
 * Retired pools close gracefully: in-flight requests finish, then the sockets go.
 */
export class UndiciEndpointPools {
  private readonly pools: EndpointPools<EndpointDispatcher>;
  private readonly closing = new Set<Promise<void>>();

  constructor(balancer: LoadBalancer, settings: Exclude<FetchPoolingOption, boolean> = {}) {
    this.pools = new EndpointPools<EndpointDispatcher>(balancer, {
      create: (endpoint: Endpoint) => {
        const connections = endpoint.maxConnections ?? settings.connections;
        return new EndpointDispatcher(new URL(endpoint.url).origin, {
          ...(connections === undefined ? {} : { connections }),
          ...(settings.keepAliveTimeoutMs === undefined ? {} : { keepAliveTimeout: settings.keepAliveTimeoutMs }),
        });
      },
      retire: (pool: EndpointDispatcher) => {
        const p = pool.close().catch(() => undefined);
        this.closing.add(p);
        void p.finally(() => this.closing.delete(p));
      },
    });
  }

  /** The dispatcher for `endpoint`, or undefined once closed. */
  get(endpoint: Endpoint): EndpointDispatcher | undefined {
    return this.pools.get(endpoint);
  }

  /** Number of live pools. */
  get size(): number {
    return this.pools.size;
  }

  /** Closes every pool; resolves when their sockets are gone. */
  async close(): Promise<void> {
    this.pools.close();
    await Promise.all([...this.closing]);
  }
}
