import { createConnection, createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { exponentialBackoff, retry, type LoadBalancer } from '@breakwater/core';

/** A running L4 (TCP) balancer. */
export interface L4Proxy {
  readonly port: number;
  /** Connections being proxied now. */
  readonly active: number;
  /** Stop accepting; wait up to `timeoutMs` for open connections to end, then cut them. */
  close(timeoutMs?: number): Promise<void>;
}

/**
 * L4 mode: every accepted TCP connection is piped to an endpoint picked by `balancer` (least
 * connections: a proxied connection stays "in flight" until it closes). Connect failures are
 * retried on another pick and feed outlier detection; nothing is parsed, so any protocol works.
 */
export async function startL4Proxy(o: {
  host: string;
  port: number;
  balancer: LoadBalancer;
  connectTimeoutMs?: number;
  maxConnections?: number;
}): Promise<L4Proxy> {
  const connectRetry = retry({ maxAttempts: 3, backoff: exponentialBackoff({ initialMs: 5, maxMs: 50 }) });
  const open = new Set<Socket>();
  let pairs = 0;
  const connectTimeoutMs = o.connectTimeoutMs ?? 1_000;

  const server = createServer({ pauseOnConnect: true }, (client) => {
    open.add(client);
    client.once('close', () => open.delete(client));
    client.on('error', () => client.destroy());
    let upstream: Socket | undefined;
    // Resolves when the proxied connection ends; rejects only when connecting fails (→ retry).
    void connectRetry
      .execute((ctx) =>
        o.balancer.execute(
          (ep) =>
            new Promise<void>((resolve, reject) => {
              if (client.destroyed) return resolve();
              const url = new URL(ep.url);
              const up = createConnection({ host: url.hostname, port: Number(url.port || 80) });
              const timer = setTimeout(() => up.destroy(new Error(`connect to ${ep.id} timed out`)), connectTimeoutMs);
              const onAbort = (): void => {
                up.destroy();
              };
              ctx.signal.addEventListener('abort', onAbort, { once: true });
              up.once('connect', () => {
                clearTimeout(timer);
                ctx.signal.removeEventListener('abort', onAbort);
                upstream = up;
                open.add(up);
                pairs += 1;
                up.pipe(client);
                client.pipe(up);
                client.resume();
                let ended = false;
                const end = (): void => {
                  if (ended) return;
                  ended = true;
                  pairs -= 1;
                  up.destroy();
                  client.destroy();
                  open.delete(up);
                  resolve();
                };
                up.once('close', end);
                client.once('close', end);
                up.on('error', () => up.destroy());
              });
              up.once('error', (e) => {
                clearTimeout(timer);
                ctx.signal.removeEventListener('abort', onAbort);
                if (upstream === undefined) reject(e);
              });
            }),
          { signal: ctx.signal },
        ),
      )
      .catch(() => client.destroy());
  });
  // Each proxied client holds two sockets: cap them like the HTTP listener's connections.
  if (o.maxConnections !== undefined) server.maxConnections = o.maxConnections;
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => resolve((server.address() as AddressInfo).port));
  });
  return {
    port,
    get active() {
      return pairs;
    },
    async close(timeoutMs = 5_000) {
      const closed = new Promise<void>((r) => server.close(() => r()));
      const deadline = setTimeout(() => {
        for (const s of open) s.destroy();
      }, timeoutMs);
      await closed;
      clearTimeout(deadline);
    },
  };
}
