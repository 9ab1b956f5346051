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
/**
 * A key prefix unique to this test run and call: `bwtest:<label>:<run>:<pid>:<time>:<n>`, where
 * `<run>` is the vitest run's tag (global-setup.ts). Every prefix handed out is remembered:
 * the setup file (redis-cleanup-setup.ts) deletes its keys after each test file, and the global
 * teardown fails the run if keys tagged with the run are still in Redis.
 */
export function uniquePrefix(label = 't'): string {
  counter += 1;
  const prefix = `bwtest:${label}:${process.env['BW_TEST_RUN'] ?? 'norun'}:${process.pid}:${Date.now().toString(36)}:${counter}`;
  issuedPrefixes().add(prefix);
  return prefix;
}

/** Every prefix uniquePrefix() returned in this module graph (one test file), for cleanup. */
export function issuedPrefixes(): Set<string> {
  const g = globalThis as { __bwTestPrefixes?: Set<string> };
  g.__bwTestPrefixes ??= new Set();
  return g.__bwTestPrefixes;
}
