import { EndpointPools, type Endpoint, type LoadBalancer } from '@breakwater/core';
import { Pool } from 'undici';

/** Connection pooling per endpoint: `true` (default with a balancer), `false`, or settings. */
export type FetchPoolingOption = boolean | {
  /** Sockets per endpoint when the endpoint sets no `maxConnections`. Default unlimited. */
  connections?: number;
  /** How long an idle keep-alive socket is kept. Default undici's (4 s). */
  keepAliveTimeoutMs?: number;
};

/**
 * One undici `Pool` per endpoint origin, with `connections = endpoint.maxConnections`. The pool
 * is handed to fetch as `dispatcher` (Node's global fetch and undici's fetch both accept it).
 * Retired pools close gracefully: in-flight requests finish, then the sockets go.
 */
export class UndiciEndpointPools {
  private readonly pools: EndpointPools<Pool>;
  private readonly closing = new Set<Promise<void>>();

  constructor(balancer: LoadBalancer, settings: Exclude<FetchPoolingOption, boolean> = {}) {
    this.pools = new EndpointPools<Pool>(balancer, {
      create: (endpoint: Endpoint) => {
        const connections = endpoint.maxConnections ?? settings.connections;
        return new Pool(new URL(endpoint.url).origin, {
          ...(connections === undefined ? {} : { connections }),
          ...(settings.keepAliveTimeoutMs === undefined ? {} : { keepAliveTimeout: settings.keepAliveTimeoutMs }),
        });
      },
      retire: (pool: Pool) => {
        const p = pool.close().catch(() => undefined);
        this.closing.add(p);
        void p.finally(() => this.closing.delete(p));
      },
    });
  }

  /** The dispatcher for `endpoint`, or undefined once closed. */
  get(endpoint: Endpoint): Pool | undefined {
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
