import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrokenCircuitError } from '../errors.js';
import { memoryBreakerStore } from '../store/memory-store.js';
import { circuitBreaker } from './circuit-breaker.js';
import { consecutiveFailures } from './trip/consecutive-failures.js';

/** A real HTTP dependency whose health the test flips; counts the requests that reach it. */
let server: Server;
let url = '';
let healthy = true;
let hits = 0;

beforeAll(async () => {
  server = createServer((_req, res) => {
    hits++;
    res.statusCode = healthy ? 200 : 503;
    res.end(healthy ? 'ok' : 'down');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});

afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
});

const get = async ({ signal }: { signal: AbortSignal }): Promise<Response> => {
  const res = await fetch(url, { signal });
  await res.arrayBuffer();
  return res;
};

describe('circuitBreaker against a real HTTP server (system clock)', () => {
  it('two replicas on a memory store: one trips, both stop calling, one probe recovers both', async () => {
    const store = memoryBreakerStore();
    const options = {
      trip: consecutiveFailures(3),
      halfOpenAfterMs: 150,
      store,
      isResultFailure: (r: unknown) => (r as Response).status >= 500,
    };
    const a = circuitBreaker({ name: 'http-dep', ...options });
    const b = circuitBreaker({ name: 'http-dep', ...options });
    try {
      healthy = false;
      for (let i = 0; i < 3; i++) expect((await a.execute(get)).status).toBe(503);
      expect(a.state).toBe('open');
      await new Promise((r) => setImmediate(r));
      expect(b.state).toBe('open');
      hits = 0;
      await expect(a.execute(get)).rejects.toBeInstanceOf(BrokenCircuitError);
      await expect(b.execute(get)).rejects.toBeInstanceOf(BrokenCircuitError);
      expect(hits).toBe(0);

      healthy = true;
      await new Promise((r) => setTimeout(r, 200));
      const results = await Promise.allSettled([a.execute(get), b.execute(get), a.execute(get), b.execute(get)]);
      expect(hits).toBe(1); // exactly one fleet-wide probe reached the server
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      await new Promise((r) => setImmediate(r));
      expect([a.state, b.state]).toEqual(['closed', 'closed']);
      expect((await b.execute(get)).status).toBe(200);
    } finally {
      a.dispose();
      b.dispose();
      await store.close();
    }
  });
});
