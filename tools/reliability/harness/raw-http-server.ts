import { createServer, type Server, type Socket } from 'node:net';

/** A raw response: bytes written as is, then how the connection ends. */
export interface RawResponse {
  bytes: Buffer;
  /** `end`: FIN after writing; `destroy`: RST-ish abrupt close; `hold`: keep open `holdMs` then close. */
  close: 'end' | 'destroy' | 'hold';
  holdMs?: number;
}

/**
 * A TCP server that speaks just enough HTTP to read a request line and answers with whatever bytes
 * the test registered for that path (`/r/<id>`), malformed or not. Unknown paths get a valid 404.
 */
export interface RawHttpServer {
  readonly port: number;
  readonly origin: string;
  /** Registers a response; returns the path to request. */
  register(r: RawResponse): string;
  /** Connections accepted so far and open now. */
  readonly accepted: number;
  readonly open: number;
  close(): Promise<void>;
}

export async function startRawHttpServer(): Promise<RawHttpServer> {
  const responses = new Map<number, RawResponse>();
  const sockets = new Set<Socket>();
  const holds = new Set<ReturnType<typeof setTimeout>>();
  let nextId = 1;
  let accepted = 0;
  const server: Server = createServer((sock) => {
    accepted += 1;
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => undefined);
    let head = '';
    const onData = (chunk: Buffer): void => {
      head += chunk.toString('latin1');
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) {
        if (head.length > 1_000_000) sock.destroy();
        return;
      }
      sock.off('data', onData);
      const m = /^[A-Z]+ (\S+) HTTP/.exec(head);
      const id = m ? /^\/r\/(\d+)/.exec(m[1] ?? '') : null;
      const r = id ? responses.get(Number(id[1])) : undefined;
      if (r === undefined) {
        sock.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
        return;
      }
      // Drain any request body; we never read it.
      sock.resume();
      sock.write(r.bytes, () => {
        if (r.close === 'end') sock.end();
        else if (r.close === 'destroy') sock.destroy();
        else {
          const t = setTimeout(() => {
            holds.delete(t);
            sock.destroy();
          }, r.holdMs ?? 100);
          holds.add(t);
        }
      });
    };
    sock.on('data', onData);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
  return {
    port,
    origin: `http://127.0.0.1:${port}`,
    register(r) {
      const id = nextId++;
      responses.set(id, r);
      return `/r/${id}`;
    },
    get accepted() {
      return accepted;
    },
    get open() {
      return sockets.size;
    },
    async close() {
      for (const t of holds) clearTimeout(t);
      holds.clear();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
