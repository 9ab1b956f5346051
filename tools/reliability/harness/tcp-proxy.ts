import { createConnection, createServer, type Server, type Socket } from 'node:net';

/** How the proxy treats traffic right now. */
export type ProxyMode = 'pass' | 'blackhole';

/** A TCP proxy on 127.0.0.1 that can silently drop traffic and then reset every connection. */
export interface TcpProxy {
  readonly port: number;
  readonly mode: ProxyMode;
  /** Connections accepted since start (each ioredis reconnect is one). */
  readonly accepted: number;
  /** Connections open right now (client side). */
  readonly open: number;
  /** Stop forwarding in both directions; connections stay open, bytes vanish (a dead link, no FIN/RST). */
  blackhole(): void;
  /** RST every open connection (both sides) and go back to forwarding. */
  resetAll(): void;
  /** Forward again without touching existing connections. */
  pass(): void;
  close(): Promise<void>;
}

interface Pair {
  client: Socket;
  upstream: Socket;
}

/** Starts a proxy forwarding to `target` (127.0.0.1:targetPort by default). */
export async function startTcpProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
  let mode: ProxyMode = 'pass';
  let accepted = 0;
  const pairs = new Set<Pair>();

  const destroyPair = (p: Pair, rst: boolean): void => {
    pairs.delete(p);
    for (const s of [p.client, p.upstream]) {
      if (s.destroyed) continue;
      // resetAndDestroy sends RST when the socket is connected; fall back to destroy otherwise.
      if (rst && typeof s.resetAndDestroy === 'function' && s.readyState === 'open') s.resetAndDestroy();
      else s.destroy();
    }
  };

  const server: Server = createServer((client) => {
    accepted += 1;
    const upstream = createConnection({ host: targetHost, port: targetPort });
    const pair: Pair = { client, upstream };
    pairs.add(pair);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    // Forward by hand (not pipe) so blackhole mode can drop bytes while keeping sockets open.
    client.on('data', (chunk) => {
      if (mode === 'pass' && !upstream.destroyed) upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      if (mode === 'pass' && !client.destroyed) client.write(chunk);
    });
    const end = (): void => destroyPair(pair, false);
    client.on('error', end);
    upstream.on('error', end);
    client.on('close', end);
    upstream.on('close', end);
  });
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  const port = typeof addr === 'object' && addr !== null ? addr.port : 0;

  return {
    port,
    get mode() {
      return mode;
    },
    get accepted() {
      return accepted;
    },
    get open() {
      return pairs.size;
    },
    blackhole() {
      mode = 'blackhole';
    },
    resetAll() {
      for (const p of [...pairs]) destroyPair(p, true);
      mode = 'pass';
    },
    pass() {
      mode = 'pass';
    },
    async close() {
      for (const p of [...pairs]) destroyPair(p, false);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
