import { createConnection } from 'node:net';

/**
 * Test helper: opens a connection, sends a request line and one header, then nothing more (a
 * slow-headers client), and resolves with how long the server took to cut it (ms) and what it
 * answered. Rejects if the server kept the socket past `giveUpMs`.
 */
export function slowHeadersClient(port: number, giveUpMs = 10_000): Promise<{ closedAfterMs: number; answer: string }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const sock = createConnection({ host: '127.0.0.1', port });
    let answer = '';
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`server kept a slow-headers connection open for ${giveUpMs} ms`));
    }, giveUpMs);
    sock.on('connect', () => sock.write('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n'));
    sock.on('data', (d: Buffer) => {
      answer += d.toString('latin1');
    });
    sock.on('error', () => undefined);
    sock.on('close', () => {
      clearTimeout(timer);
      resolve({ closedAfterMs: performance.now() - t0, answer });
    });
  });
}
