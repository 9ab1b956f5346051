import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** One request as the test server saw it. */
export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
  /** Index of the TCP connection it came on (for connection-reuse assertions). */
  socket: number;
}

/** Handles a request; `body` is the full request body. May answer later (or never, to test timeouts). */
export type TestHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  body: string,
  seen: SeenRequest,
) => void | Promise<void>;

/** A real node:http server on 127.0.0.1:0 that counts what reaches it. */
export interface TestHttpServer {
  readonly url: string;
  readonly port: number;
  /** Every request that reached the server, in arrival order. */
  readonly requests: SeenRequest[];
  /** Requests whose client went away before the response was finished (aborted, timed out). */
  readonly aborted: SeenRequest[];
  /** Number of TCP connections ever accepted. */
  connections(): number;
  /** Number of TCP connections open now. */
  openConnections(): number;
  /** Replaces the handler. */
  handle(handler: TestHandler): void;
  /** Stops listening and destroys every connection. */
  close(): Promise<void>;
}

/**
 * Starts a counting HTTP server (default handler: 200 "ok"). For adapter tests: retries, aborts
 * reaching the server, connection reuse, failover (close it mid-test).
 */
export async function startTestHttpServer(handler?: TestHandler): Promise<TestHttpServer> {
  let current: TestHandler =
    handler ??
    ((_req, res) => {
      res.end('ok');
    });
  const requests: SeenRequest[] = [];
  const aborted: SeenRequest[] = [];
  const sockets = new Map<Socket, number>();
  let connections = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const seen: SeenRequest = {
        method: req.method ?? 'GET',
        url: req.url ?? '/',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        socket: sockets.get(req.socket) ?? -1,
      };
      requests.push(seen);
      res.on('close', () => {
        if (!res.writableFinished) aborted.push(seen);
      });
      Promise.resolve()
        .then(() => current(req, res, seen.body, seen))
        .catch(() => {
          if (!res.headersSent) {
            res.statusCode = 500;
            res.end('handler threw');
          }
        });
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.set(s, connections++);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    aborted,
    connections: () => connections,
    openConnections: () => sockets.size,
    handle(h) {
      current = h;
    },
    close() {
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        for (const s of sockets.keys()) s.destroy();
      });
    },
  };
}
