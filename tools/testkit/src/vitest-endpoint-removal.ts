import { loadBalancer, roundRobin, type LoadBalancer } from '@breakwater/core';
import { describe, expect, it, onTestFinished } from 'vitest';
import { waitFor } from './wait.js';
import { countListeners, heldServerPair as pair, openTcpSockets as tcp } from './vitest-held-pair.js';

/** An adapter client over a balancer: `get` resolves with the body text; `close` detaches it from the balancer. */
export interface RemovalClient {
  get(path: string): Promise<string>;
  close(): Promise<void> | void;
}

async function twoEndpoints() {
  const servers = await pair();
  const lb = loadBalancer({
    endpoints: [
      { id: 'a', url: servers.a.url },
      { id: 'b', url: servers.b.url },
    ],
    strategy: roundRobin(),
  });
  return { ...servers, lb };
}

/**
 * The endpoint-removal contract every HTTP adapter keeps: `balancer.update()` without an endpoint
 * closes that endpoint's idle connections at once, lets its calls in flight finish, and closing the
 * client unsubscribes from the balancer and leaves no socket. One suite, run by each adapter.
 */
export function describeEndpointRemoval(
  title: string,
  client: (lb: LoadBalancer) => RemovalClient,
  closeWord = 'close',
): void {
  describe(title, () => {
    it('closes its idle keep-alive sockets at once, without waiting for another request', async () => {
      const { a, b, lb } = await twoEndpoints();
      onTestFinished(() => lb.close());
      const c = client(lb);
      onTestFinished(() => c.close());
      for (let i = 0; i < 4; i++) expect(await c.get('/x')).toBe('ok');
      expect(a.openConnections()).toBeGreaterThan(0);
      expect(b.openConnections()).toBeGreaterThan(0);

      lb.update([{ id: 'b', url: b.url }]);
      // No request follows: a periodic sweep on the next request would never run.
      await waitFor(() => a.openConnections() === 0, { timeoutMs: 500, what: "removed endpoint's sockets closed" });
      expect(b.openConnections()).toBeGreaterThan(0);
      expect(await c.get('/x')).toBe('ok');
      expect(a.requests).toHaveLength(2);
    });

    it('lets a request in flight on the removed endpoint finish, then closes its socket', async () => {
      const { a, b, lb, release } = await twoEndpoints();
      onTestFinished(() => lb.close());
      const c = client(lb);
      onTestFinished(() => c.close());
      const inFlight = [c.get('/hold'), c.get('/hold')];
      await waitFor(() => a.requests.length === 1 && b.requests.length === 1, { what: 'both held requests arrived' });

      lb.update([{ id: 'b', url: b.url }]);
      await new Promise((r) => setTimeout(r, 50));
      expect(a.openConnections()).toBe(1); // busy: not cut
      release();
      expect(await Promise.all(inFlight)).toEqual(['held', 'held']);
      await waitFor(() => a.openConnections() === 0, {
        timeoutMs: 500,
        what: "removed endpoint's socket closed after its request",
      });
      expect(b.openConnections()).toBe(1);
    });

    it(`unsubscribes on ${closeWord} and leaves no open handles`, async () => {
      const before = tcp();
      const { a, b, lb } = await twoEndpoints();
      const listeners = countListeners(lb);
      const c = client(lb);
      expect(listeners()).toBeGreaterThan(0);
      for (let i = 0; i < 4; i++) await c.get('/x');
      lb.update([{ id: 'b', url: b.url }]);
      await waitFor(() => a.openConnections() === 0, { timeoutMs: 500 });
      await c.close();
      expect(listeners()).toBe(0);
      await waitFor(() => b.openConnections() === 0, { timeoutMs: 1000 });
      await lb.close();
      await Promise.all([a.close(), b.close()]);
      await waitFor(() => tcp() <= before, { what: 'no TCP handles left' });
    });
  });
}
