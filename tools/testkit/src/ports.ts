import { createServer } from 'node:net';

/** Asks the OS for a free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

let counter = 0;
/** A key prefix unique to this test run and call: `bwtest:<label>:<pid>:<time>:<n>`. */
export function uniquePrefix(label = 't'): string {
  counter += 1;
  return `bwtest:${label}:${process.pid}:${Date.now().toString(36)}:${counter}`;
}
