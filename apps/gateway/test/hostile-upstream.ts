import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/** One request as the hostile upstream read it: the request line and the raw header block. */
export interface RawRequest {
  method: string;
  target: string;
  head: string;
}

/** A raw TCP server speaking just enough HTTP/1.1 to answer with whatever bytes a test wants. */
export interface HostileUpstream {
  readonly url: string;
  readonly requests: RawRequest[];
  respond(fn: (req: RawRequest) => string | Buffer): void;
  close(): Promise<void>;
}

/** The response bytes of an ordinary JSON answer (health checks need one). */
export function okJson(body: string, extraHead = ''): string {
  const head = `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n${extraHead}`;
  return `HTTP/1.1 200 OK\r\n${head}connection: close\r\n\r\n${body}`;
}

/**
 * Starts the upstream on 127.0.0.1:0. Every connection gets one answer (then it is closed), so
 * no framing beyond the request head is needed; `/health` is answered 200 unless the responder
 * says otherwise.
 */
export async function startHostileUpstream(fn: (req: RawRequest) => string | Buffer): Promise<HostileUpstream> {
  let responder = fn;
  const requests: RawRequest[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => sock.destroy());
    let buf = '';
    sock.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      const end = buf.indexOf('\r\n\r\n');
      if (end === -1) return;
      const head = buf.slice(0, end);
      const [method = '', target = ''] = (head.split('\r\n')[0] ?? '').split(' ');
      const req = { method, target, head };
      requests.push(req);
      let out: string | Buffer;
      try {
        out = responder(req);
      } catch {
        out = okJson('{}');
      }
      sock.end(typeof out === 'string' ? Buffer.from(out, 'latin1') : out);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    respond: (f) => {
      responder = f;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
