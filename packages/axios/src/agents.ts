import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { Socket } from 'node:net';
import { type Endpoint, type LoadBalancer } from '@breakwater/core';
import { EndpointPools } from '@breakwater/core/internal';

/** Connection pooling per endpoint: `true` (default with a balancer), `false`, or settings. */
export type AxiosPoolingOption =
  | boolean
  | {
      /** Sockets per endpoint when the endpoint sets no `maxConnections`. Default unlimited. */
      maxSockets?: number;
      /** Initial delay of TCP keep-alive probes on idle sockets. Default Node's (1 s). */
      keepAliveMsecs?: number;
    };

type AnyAgent = HttpAgent | HttpsAgent;

/** Stop reusing an agent: close idle sockets now; busy ones close when their request ends. */
function retireAgent(agent: AnyAgent): void {
  // Node's agent destroys a freed socket instead of pooling it when keepAlive is false.
  (agent as unknown as { keepAlive: boolean }).keepAlive = false;
  const free = (agent as unknown as { freeSockets: Record<string, Socket[] | undefined> }).freeSockets;
  for (const list of Object.values(free)) for (const socket of list ?? []) socket.destroy();
}

/**
 * One keep-alive `http.Agent` / `https.Agent` per endpoint with `maxSockets =
 * endpoint.maxConnections`, set as the attempt's `httpAgent`/`httpsAgent`.
 */
export class AgentPools {
  private readonly pools: EndpointPools<AnyAgent>;

  constructor(balancer: LoadBalancer, settings: Exclude<AxiosPoolingOption, boolean> = {}) {
    this.pools = new EndpointPools<AnyAgent>(balancer, {
      create: (endpoint: Endpoint) => {
        const maxSockets = endpoint.maxConnections ?? settings.maxSockets;
        const o = {
          keepAlive: true,
          ...(maxSockets === undefined ? {} : { maxSockets }),
          ...(settings.keepAliveMsecs === undefined ? {} : { keepAliveMsecs: settings.keepAliveMsecs }),
        };
        return endpoint.url.startsWith('https:') ? new HttpsAgent(o) : new HttpAgent(o);
      },
      retire: retireAgent,
    });
  }

  /** The agent for `endpoint`, or undefined once closed. */
  get(endpoint: Endpoint): AnyAgent | undefined {
    return this.pools.get(endpoint);
  }

  /** Number of live agents. */
  get size(): number {
    return this.pools.size;
  }

  close(): void {
    this.pools.close();
  }
}
