import { afterEach, describe, expect, it } from 'vitest';
import { circuitBreaker, consecutiveFailures, BrokenCircuitError, type StateChangeEvent } from '@breakwater/core';
import { uniquePrefix } from '@breakwater/testkit';
import { testRedisUrl } from '@breakwater/testkit/vitest';
import { Harness, boom, ok, ready, waitFor } from './test-support/harness.js';

const h = new Harness();
afterEach(() => h.closeAll());

function pair(prefix: string, name = 'users') {
  const url = testRedisUrl();
  const a = h.store({ redis: h.redis(url), prefix, instanceId: 'A' });
  const b = h.store({ redis: h.redis(url), prefix, instanceId: 'B' });
  const opts = { name, trip: consecutiveFailures(3), halfOpenAfterMs: 150 };
  return { a, b, ba: circuitBreaker({ ...opts, store: a }), bb: circuitBreaker({ ...opts, store: b }) };
}

describe('RedisBreakerStore — state mode', () => {
  it("a trip on A opens B quickly (remote: true); A's successful probe closes B", async () => {
    const { a, b, ba, bb } = pair(uniquePrefix('share'));
    await Promise.all([ready(a), ready(b)]);
    const events: StateChangeEvent[] = [];
    bb.on('stateChange', (e) => events.push(e));
    for (let i = 0; i < 3; i++) await ba.execute(boom).catch(() => undefined);
    expect(ba.state).toBe('open');
    const ms = await waitFor(() => bb.state === 'open', 1000, 'B open');
    expect(ms).toBeLessThan(200);
    expect(events[0]).toMatchObject({ from: 'closed', to: 'open', remote: true });
    await expect(bb.execute(ok)).rejects.toBeInstanceOf(BrokenCircuitError);

    await waitFor(
      async () =>
        await ba.execute(ok).then(
          () => true,
          () => false,
        ),
      2000,
      'A probe',
    );
    expect(ba.state).toBe('closed');
    await waitFor(() => bb.state === 'closed', 1000, 'B closed');
    expect(events.at(-1)).toMatchObject({ from: 'open', to: 'closed', remote: true });
    expect(await bb.execute(ok)).toBe('ok');
    expect(a.stats().errors + b.stats().errors).toBe(0);
  });
});

describe('a single replica with a store', () => {
  it('probes on its first call after halfOpenAfterMs, like a local breaker', async () => {
    const url = testRedisUrl();
    const s = h.store({ redis: h.redis(url), prefix: uniquePrefix('single') });
    await ready(s);
    const b = circuitBreaker({ name: 'solo', trip: consecutiveFailures(1), halfOpenAfterMs: 100, store: s });
    for (let round = 0; round < 3; round++) {
      await b.execute(boom).catch(() => undefined);
      expect(b.state).toBe('open');
      await new Promise((r) => setTimeout(r, 160)); // margin for a loaded machine: the lease race runs on timers too
      expect(await b.execute(ok)).toBe('ok');
      expect(b.state).toBe('closed');
    }
    expect(s.stats().errors).toBe(0);
  });
});
