import { afterEach, describe, expect, it } from 'vitest';
import { circuitBreaker, consecutiveFailures, failureRate, type StateChangeEvent } from '@breakwater/core';
import { uniquePrefix } from '@breakwater/testkit';
import { testRedisUrl } from '@breakwater/testkit/vitest';
import type { RedisBreakerStoreOptions } from './options.js';
import { Harness, boom, ok, ready, waitFor } from './test-support/harness.js';

const h = new Harness();
afterEach(() => h.closeAll());

async function stores(n: number, o: Omit<RedisBreakerStoreOptions, 'redis'>) {
  const url = testRedisUrl();
  const list = Array.from({ length: n }, (_, i) => h.store({ ...o, redis: h.redis(url), instanceId: `r${i}` }));
  await Promise.all(list.map((s) => ready(s)));
  return list;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('quorum', () => {
  it("2 of 3: one replica's trip opens only itself; the second trip opens all three", async () => {
    const ss = await stores(3, { prefix: uniquePrefix('quorum'), quorum: 2 });
    const [a, b, c] = ss.map((store) =>
      circuitBreaker({ name: 'payments', trip: consecutiveFailures(2), halfOpenAfterMs: 2000, store }),
    );
    const cEvents: StateChangeEvent[] = [];
    c!.on('stateChange', (e) => cEvents.push(e));

    await a!.execute(boom).catch(() => undefined);
    await a!.execute(boom).catch(() => undefined);
    expect(a!.state).toBe('open');
    await sleep(150);
    expect(b!.state).toBe('closed');
    expect(c!.state).toBe('closed');
    expect(await c!.execute(ok)).toBe('ok');

    await b!.execute(boom).catch(() => undefined);
    await b!.execute(boom).catch(() => undefined);
    expect(b!.state).toBe('open');
    await waitFor(() => c!.state === 'open', 1000, 'C opened by the quorum');
    expect(a!.state).toBe('open');
    expect(cEvents).toEqual([expect.objectContaining({ from: 'closed', to: 'open', remote: true })]);
  });

  it('a vote expires with the open period: trips far apart never reach quorum', async () => {
    const ss = await stores(3, { prefix: uniquePrefix('quorumexp'), quorum: 2 });
    const [a, b, c] = ss.map((store) =>
      circuitBreaker({ name: 'payments', trip: consecutiveFailures(1), halfOpenAfterMs: 100, store }),
    );
    await a!.execute(boom).catch(() => undefined);
    await sleep(200); // A's vote (100 ms) has expired
    await b!.execute(boom).catch(() => undefined);
    await sleep(150);
    expect(c!.state).toBe('closed');
  });
});

describe('aggregate mode', () => {
  it('failures spread over 3 replicas, each below its local threshold, trip all three', async () => {
    const ss = await stores(3, { prefix: uniquePrefix('agg'), mode: 'aggregate', flushIntervalMs: 30 });
    const trip = failureRate({ threshold: 0.5, minimumRequests: 10, window: { kind: 'count', size: 50 } });
    const bs = ss.map((store) => circuitBreaker({ name: 'search', trip, halfOpenAfterMs: 5000, store }));
    for (const b of bs) {
      for (let i = 0; i < 4; i++) await b.execute(boom).catch(() => undefined);
      expect(b.state).toBe('closed'); // 4 calls: below minimumRequests locally
    }
    await waitFor(() => bs.every((b) => b.state === 'open'), 1500, 'fleet totals to trip every replica');
    const commands = ss.reduce((n, s) => n + s.stats().commands, 0);
    expect(commands).toBeLessThan(40);
  });

  it('healthy traffic spread over replicas never trips', async () => {
    const ss = await stores(2, { prefix: uniquePrefix('aggok'), mode: 'aggregate', flushIntervalMs: 20 });
    const trip = failureRate({ threshold: 0.5, minimumRequests: 10, window: { kind: 'count', size: 50 } });
    const bs = ss.map((store) => circuitBreaker({ name: 'search', trip, halfOpenAfterMs: 5000, store }));
    for (let i = 0; i < 20; i++) for (const b of bs) await b.execute(i % 4 === 0 ? boom : ok).catch(() => undefined);
    await sleep(120);
    expect(bs.map((b) => b.state)).toEqual(['closed', 'closed']);
  });
});
