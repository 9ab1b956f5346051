import {
  SaturatedError,
  constantBackoff,
  loadBalancer,
  retry,
  roundRobin,
  type LoadBalancer,
  type Policy,
} from '@breakwater/core';
import { describe, expect, it, onTestFinished } from 'vitest';
import { testHttpServer } from './vitest-http.js';

/** A test HTTP server answering after `delayMs` and recording the most requests it had in flight at once. */
export async function slowServer(delayMs = 20) {
  let inFlight = 0;
  let peak = 0;
  const s = await testHttpServer((_req, res) => {
    inFlight++;
    peak = Math.max(peak, inFlight);
    setTimeout(() => {
      inFlight--;
      res.end('ok');
    }, delayMs);
  });
  return { s, peak: () => peak };
}

/** Builds an adapter client over `lb` (and `policy`); the call resolves with the HTTP status. */
export type SaturationClient = (lb: LoadBalancer, policy?: Policy) => (path: string) => Promise<number>;

/**
 * The saturation contract every HTTP adapter must keep (API.md, "Saturation"): `maxConnections`
 * is a pool size, so saturated calls wait for a slot; a full wait queue rejects with
 * SaturatedError, which retry() retries. One suite, run by each adapter with its own client.
 */
export function describeSaturation(name: string, client: SaturationClient): void {
  describe(`${name}: maxConnections is a pool size: saturated calls wait for a slot`, () => {
    it('64 concurrent calls with maxConnections 16 all succeed, at most 16 at the server at once', async () => {
      const { s, peak } = await slowServer();
      const lb = loadBalancer({ endpoints: [{ id: 'a', url: s.url, maxConnections: 16 }], strategy: roundRobin() });
      onTestFinished(() => lb.close());
      const call = client(lb);
      const results = await Promise.all(Array.from({ length: 64 }, () => call('/x')));
      expect(results.every((r) => r === 200)).toBe(true);
      expect(s.requests).toHaveLength(64);
      expect(peak()).toBeLessThanOrEqual(16);
    });

    it('a full wait queue rejects with SaturatedError (BW_SATURATED), which retry() retries', async () => {
      const { s } = await slowServer();
      const lb = loadBalancer({
        endpoints: [{ id: 'a', url: s.url, maxConnections: 1 }],
        strategy: roundRobin(),
        queue: { maxPending: 1 },
      });
      onTestFinished(() => lb.close());
      const bare = client(lb);
      const settled = await Promise.allSettled(Array.from({ length: 4 }, () => bare('/x')));
      const rejected = settled
        .filter((r) => r.status === 'rejected')
        .map((r) => (r as PromiseRejectedResult).reason as unknown);
      expect(rejected.length).toBeGreaterThan(0);
      for (const e of rejected) expect(e).toBeInstanceOf(SaturatedError);
      const retried = client(lb, retry({ maxAttempts: 20, backoff: constantBackoff(25) }));
      const all = await Promise.all(Array.from({ length: 4 }, () => retried('/x')));
      expect(all.every((r) => r === 200)).toBe(true);
    });
  });
}
