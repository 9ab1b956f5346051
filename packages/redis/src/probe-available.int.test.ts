import { afterEach, describe, expect, it } from 'vitest';
import {
  BrokenCircuitError,
  circuitBreaker,
  consecutiveFailures,
  loadBalancer,
  type CircuitBreaker,
  type CircuitBreakerOptions,
} from '@breakwater/core';
import { uniquePrefix } from '@breakwater/testkit';
import { testRedisUrl } from '@breakwater/testkit/vitest';
import { Harness, boom, ready, waitFor } from './test-support/harness.js';

const h = new Harness();
afterEach(() => h.closeAll());

describe('probeAvailable: a breaker knows when the fleet probe lease is elsewhere', () => {
  it('wouldAdmit() turns false once this replica learns another holds the lease, and a balancer stops offering the endpoint', async () => {
    const url = testRedisUrl();
    const prefix = uniquePrefix('probeavail');
    const stores = ['p0', 'p1'].map((instanceId) => h.store({ redis: h.redis(url), prefix, instanceId }));
    await Promise.all(stores.map((s) => ready(s)));
    const opts = { trip: consecutiveFailures(1), halfOpenAfterMs: 100, halfOpen: { probeTimeoutMs: 5_000 } };
    // Pod 0: a bare breaker for x. Pod 1: a balancer over x and y, its breakers kept by id.
    const x0 = circuitBreaker({ name: 'api/x', ...opts, store: stores[0]! });
    h.onClose(() => x0.dispose());
    const breakers1 = new Map<string, CircuitBreaker>();
    const lb1 = loadBalancer({
      name: 'api',
      endpoints: [
        { id: 'x', url: 'http://x' },
        { id: 'y', url: 'http://y' },
      ],
      breaker: { ...opts, store: stores[1]! },
      createBreaker: (o: CircuitBreakerOptions) => {
        const b = circuitBreaker(o);
        breakers1.set(o.name, b);
        return b;
      },
    });
    h.onClose(() => lb1.close());
    const x1 = breakers1.get('api/x')!;

    await x0.execute(boom).catch(() => undefined);
    await waitFor(() => x1.state === 'open', 3000, 'pod 1 adopts open');
    // Pod 0 opened the fleet, so it takes the lease as the period ends; its probe hangs.
    let release!: (v: string) => void;
    const gate = new Promise<string>((r) => {
      release = r;
    });
    await waitFor(
      async () => {
        void x0.execute(() => gate).catch(() => undefined);
        await new Promise((r) => setTimeout(r, 10));
        return x0.state === 'half-open';
      },
      3000,
      'pod 0 probing',
    );
    // Pod 1 has not asked yet: it cannot know, so it says maybe. Its first ask learns the lease is held.
    if (x1.wouldAdmit!()) await expect(x1.execute(() => 'probe?')).rejects.toBeInstanceOf(BrokenCircuitError);
    await waitFor(() => x1.wouldAdmit!() === false, 3000, "pod 1 learns the lease is pod 0's");
    const results: unknown[] = [];
    for (let i = 0; i < 20; i++) results.push(await lb1.execute((ep) => ep.id).catch((e: unknown) => e));
    expect(results).toEqual(Array(20).fill('y'));
    release('fine');
    await waitFor(() => x1.state === 'closed', 3000, 'pod 1 adopts closed');
    expect(x1.wouldAdmit!()).toBe(true);
  });
});
