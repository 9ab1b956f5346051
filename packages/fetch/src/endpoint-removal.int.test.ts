import { loadBalancer, roundRobin } from '@breakwater/core';
import { waitFor } from '@breakwater/testkit';
import { countListeners, heldServerPair as pair, openTcpSockets as tcp } from '@breakwater/testkit/vitest';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createFetch } from './index.js';

describe('@breakwater/fetch closes the undici pool of an endpoint removed by balancer.update()', () => {
  it('closes its idle keep-alive sockets at once, without waiting for another request', async () => {
    const { a, b } = await pair();
    const lb = loadBalancer({
      endpoints: [
        { id: 'a', url: a.url },
        { id: 'b', url: b.url },
      ],
      strategy: roundRobin(),
    });
    onTestFinished(() => lb.close());
    const f = createFetch({ balancer: lb });
    onTestFinished(() => f.close());
    for (let i = 0; i < 4; i++) expect(await (await f('/x')).text()).toBe('ok');
    expect(a.openConnections()).toBeGreaterThan(0);
    expect(b.openConnections()).toBeGreaterThan(0);

    lb.update([{ id: 'b', url: b.url }]);
    // No request follows: a periodic sweep on the next request would never run.
    await waitFor(() => a.openConnections() === 0, { timeoutMs: 500, what: "removed endpoint's sockets closed" });
    expect(b.openConnections()).toBeGreaterThan(0);
    expect(await (await f('/x')).text()).toBe('ok');
    expect(a.requests).toHaveLength(2);
  });

  it('lets a request in flight on the removed endpoint finish, then closes its socket', async () => {
    const { a, b, release } = await pair();
    const lb = loadBalancer({
      endpoints: [
        { id: 'a', url: a.url },
        { id: 'b', url: b.url },
      ],
      strategy: roundRobin(),
    });
    onTestFinished(() => lb.close());
    const f = createFetch({ balancer: lb });
    onTestFinished(() => f.close());
    const inFlight = [f('/hold').then((r) => r.text()), f('/hold').then((r) => r.text())];
    await waitFor(() => a.requests.length === 1 && b.requests.length === 1, { what: 'both held requests arrived' });

    lb.update([{ id: 'b', url: b.url }]);
    await new Promise((r) => setTimeout(r, 50));
    expect(a.openConnections()).toBe(1); // busy: not cut
    release();
    expect(await Promise.all(inFlight)).toEqual(['held', 'held']);
    await waitFor(() => a.openConnections() === 0, { timeoutMs: 500, what: "removed endpoint's socket closed after its request" });
    expect(b.openConnections()).toBe(1);
  });

  it('unsubscribes on close and leaves no open handles', async () => {
    const before = tcp();
    const { a, b } = await pair();
    const lb = loadBalancer({
      endpoints: [
        { id: 'a', url: a.url },
        { id: 'b', url: b.url },
      ],
      strategy: roundRobin(),
    });
    const listeners = countListeners(lb);
    const f = createFetch({ balancer: lb });
    expect(listeners()).toBeGreaterThan(0);
    for (let i = 0; i < 4; i++) await (await f('/x')).text();
    lb.update([{ id: 'b', url: b.url }]);
    await waitFor(() => a.openConnections() === 0, { timeoutMs: 500 });
    await f.close();
    expect(listeners()).toBe(0);
    await waitFor(() => b.openConnections() === 0, { timeoutMs: 1000 });
    await lb.close();
    await Promise.all([a.close(), b.close()]);
    await waitFor(() => tcp() <= before, { what: 'no TCP handles left' });
  });
});
