import { afterEach, describe, expect, it } from 'vitest';
import { circuitBreaker, consecutiveFailures, type CircuitBreaker } from '@breakwater/core';
import { uniquePrefix } from '@breakwater/testkit';
import { testRedisUrl } from '@breakwater/testkit/vitest';
import { ChildReplica } from './test-support/child.js';
import { Harness, boom, ok, ready, waitFor } from './test-support/harness.js';

const h = new Harness();
afterEach(() => h.closeAll());

async function replicas(prefix: string, n: number, probeTimeoutMs = 5000): Promise<CircuitBreaker[]> {
  const url = testRedisUrl();
  const stores = Array.from({ length: n }, (_, i) => h.store({ redis: h.redis(url), prefix, instanceId: `r${i}` }));
  await Promise.all(stores.map((s) => ready(s)));
  return stores.map((store) =>
    circuitBreaker({
      name: 'inventory',
      trip: consecutiveFailures(1),
      halfOpenAfterMs: 100,
      halfOpen: { probeTimeoutMs },
      store,
    }),
  );
}

/** Calls every breaker every 5 ms for `ms`. */
async function hammer(breakers: CircuitBreaker[], fn: () => Promise<unknown>, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    for (const b of breakers) void b.execute(fn).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('fleet-wide half-open', () => {
  it('with 5 replicas in half-open, exactly one probe reaches the upstream', async () => {
    const prefix = uniquePrefix('probe5');
    const bs = await replicas(prefix, 5);
    const first = bs[0]!;
    await first.execute(boom).catch(() => undefined);
    await waitFor(() => bs.every((b) => b.state === 'open'), 2000, 'all open');

    let upstream = 0;
    let release!: (v: string) => void;
    const gate = new Promise<string>((r) => {
      release = r;
    });
    await hammer(
      bs,
      () => {
        upstream += 1;
        return gate;
      },
      400,
    );
    expect(upstream).toBe(1);
    expect(bs.filter((b) => b.state === 'half-open')).toHaveLength(1);
    expect(bs.filter((b) => b.state === 'open')).toHaveLength(4);

    release('fine');
    await waitFor(() => bs.every((b) => b.state === 'closed'), 2000, 'all closed after the probe');
  });

  it('a probe holder killed mid-probe frees the lease by its TTL and another replica probes', async () => {
    const url = testRedisUrl();
    const prefix = uniquePrefix('probekill');
    const child = new ChildReplica([url, prefix, 'inventory', 'child', '100', '1000']);
    h.onClose(() => child.kill());
    const bs = await replicas(prefix, 2, 1000);
    await child.next((l) => l['event'] === 'ready');
    child.send('trip');
    await waitFor(() => bs.every((b) => b.state === 'open'), 3000, 'in-process replicas open');
    // The child opened the fleet, so it takes the lease when the open period ends; its probe hangs.
    await new Promise((r) => setTimeout(r, 150));
    child.send('hang');
    await child.next((l) => l['event'] === 'stateChange' && l['to'] === 'half-open');
    await child.kill('SIGKILL');
    const killedAt = Date.now();

    let firstProbeAt = 0;
    await hammer(
      bs,
      async () => {
        if (firstProbeAt === 0) firstProbeAt = Date.now();
        return 'ok';
      },
      50,
    );
    expect(firstProbeAt).toBe(0); // the dead holder's lease still stands
    await waitFor(
      async () => {
        await hammer(
          bs,
          async () => {
            if (firstProbeAt === 0) firstProbeAt = Date.now();
            return 'ok';
          },
          20,
        );
        return bs.every((b) => b.state === 'closed');
      },
      3000,
      'another replica to probe and close the fleet',
    );
    expect(firstProbeAt - killedAt).toBeGreaterThan(200);
    expect(firstProbeAt - killedAt).toBeLessThan(1500);
  });
});

describe('probe lease on shutdown', () => {
  it('a closing store hands its lease back so another replica probes without waiting for the TTL', async () => {
    const url = testRedisUrl();
    const prefix = uniquePrefix('probeclose');
    const stores = [0, 1].map((i) => h.store({ redis: h.redis(url), prefix, instanceId: `q${i}` }));
    await Promise.all(stores.map((s) => ready(s)));
    const [a, b] = stores.map((store) =>
      circuitBreaker({
        name: 'inventory',
        trip: consecutiveFailures(1),
        halfOpenAfterMs: 100,
        halfOpen: { probeTimeoutMs: 10_000 },
        store,
      }),
    );
    await a!.execute(boom).catch(() => undefined);
    await waitFor(() => b!.state === 'open', 1000, 'B open');
    await new Promise((r) => setTimeout(r, 150));
    void a!.execute(() => new Promise(() => undefined)); // A (the opener) holds the lease; its probe hangs
    expect(a!.state).toBe('half-open');
    await stores[0]!.close();
    const t0 = Date.now();
    await waitFor(
      async () => {
        await b!.execute(ok).catch(() => undefined);
        return b!.state === 'closed';
      },
      3000,
      'B probes and closes',
    );
    expect(Date.now() - t0).toBeLessThan(1000); // the lease TTL is 10 s
  });
});
