import { EndpointPools, type Endpoint, type LoadBalancer } from '@breakwater/core';
import { Agent } from 'undici';

/** Connection pooling per endpoint: `true` (default with a balancer), `false`, or settings. */
export type FetchPoolingOption = boolean | {
  /** Sockets per endpoint when the endpoint sets no `maxConnections`. Default unlimited. */
  connections?: number;
  /** How long an idle keep-alive socket is kept. Default undici's (4 s). */
  keepAliveTimeoutMs?: number;
};

/**
 * One keep-alive pool per endpoint, with `connections = endpoint.maxConnections`, handed to fetch
 * as `dispatcher` (Node's global fetch and undici's fetch both accept it). Each is an undici
 * `Agent` (a `Pool` per origin) rather than a bare `Pool`: a `Pool` is bound to one origin and
 * would send a redirect to origin B down a connection to endpoint A; the `Agent` opens B's own
 * connections, so fetch follows cross-origin redirects to the right origin (and, as the fetch
 * spec says, drops `Authorization` on the way). Retired pools close gracefully: in-flight requests
 * finish, then the sockets go.
 */
export class UndiciEndpointPools {
  private readonly pools: EndpointPools<Agent>;
  private readonly closing = new Set<Promise<void>>();

  constructor(balancer: LoadBalancer, settings: Exclude<FetchPoolingOption, boolean> = {}) {
    this.pools = new EndpointPools<Agent>(balancer, {
      create: (endpoint: Endpoint) => {
        const connections = endpoint.maxConnections ?? settings.connections;
        return new Agent({
          ...(connections === undefined ? {} : { connections }),
          ...(settings.keepAliveTimeoutMs === undefined ? {} : { keepAliveTimeout: settings.keepAliveTimeoutMs }),
        });
      },
      retire: (pool: Agent) => {
        const p = pool.close().catch(() => undefined);
        this.closing.add(p);
        void p.finally(() => this.closing.delete(p));
      },
    });
  }

  /** The dispatcher for `endpoint`, or undefined once closed. */
  get(endpoint: Endpoint): Agent | undefined {
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
