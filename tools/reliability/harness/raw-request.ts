import { connect } from 'node:net';

/** The status code and body of a raw HTTP/1.1 exchange (or the error that ended it). */
export interface RawReply {
  status: number;
  text: string;
  error?: string;
}

/**
 * Sends bytes as they are (no URL normalisation, unlike fetch/undici, which would resolve `/../`
 * before the server ever saw it) and reads the reply until the server closes or `timeoutMs`.
 */
export function rawRequest(port: number, request: string | Buffer, timeoutMs = 3000): Promise<RawReply> {
  return new Promise((resolve) => {
    const sock = connect({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    let done = false;
    const finish = (error?: string): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      const text = Buffer.concat(chunks).toString('latin1');
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1] ?? 0);
      resolve({ status, text, ...(error === undefined ? {} : { error }) });
    };
    const timer = setTimeout(() => finish('timeout'), timeoutMs);
    sock.on('connect', () => sock.write(request));
    sock.on('data', (c: Buffer) => chunks.push(c));
    sock.on('end', () => finish());
    sock.on('close', () => finish());
    sock.on('error', (e) => finish(e.message));
  });
}

/**
 * A GET with `Connection: close` for `target` exactly as written. `Host` names the port as a
 * browser would (the apps answer 421 to any other Host: DNS-rebinding defence).
 */
export const rawGet = (target: string, port: number, headers = ''): string =>
  `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n${headers}Connection: close\r\n\r\n`;
