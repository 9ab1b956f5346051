import { afterEach, describe, expect, it } from 'vitest';
import { circuitBreaker, consecutiveFailures, exponentialBackoff } from '@breakwater/core';
import { uniquePrefix } from '@breakwater/testkit';
import { testRedisUrl } from '@breakwater/testkit/vitest';
import { Harness, boom, ok, ready, waitFor } from './test-support/harness.js';

const h = new Harness();
afterEach(() => h.closeAll());

describe('RedisBreakerStore — growing open period (halfOpenAfterMs as a Backoff)', () => {
  it("the open attempt travels with the fleet state: a replica that did not probe re-opens for the fleet's next period", async () => {
    const url = testRedisUrl();
    const prefix = uniquePrefix('attempt');
    const a = h.store({ redis: h.redis(url), prefix, instanceId: 'A' });
    const b = h.store({ redis: h.redis(url), prefix, instanceId: 'B' });
    await Promise.all([ready(a), ready(b)]);
    const opts = {
      name: 'inventory',
      trip: consecutiveFailures(1),
      halfOpenAfterMs: exponentialBackoff({ initialMs: 100, maxMs: 10_000, jitter: 'none' }),
    };
    const ba = circuitBreaker({ ...opts, store: a });
    const bb = circuitBreaker({ ...opts, store: b });
    await ba.execute(boom).catch(() => undefined); // attempt 1: 100 ms
    await waitFor(() => bb.state === 'open', 1_000, 'B open');
    // A probes twice and fails: attempts 2 (200 ms) and 3 (400 ms).
    for (const attempt of [2, 3]) {
      await waitFor(
        async () =>
          await ba.execute(boom).then(
            () => false,
            (e: unknown) => (e as Error).message === 'upstream down',
          ),
        3_000,
        `A probe ${attempt}`,
      );
      await waitFor(() => bb.toJSON().openAttempt === attempt, 1_000, `B sees attempt ${attempt}`);
    }
    // B takes the next probe and fails it: attempt 4 → 800 ms for the whole fleet.
    await waitFor(
      async () =>
        await bb.execute(boom).then(
          () => false,
          (e: unknown) => (e as Error).message === 'upstream down',
        ),
      3_000,
      'B probe',
    );
    expect(bb.toJSON().openAttempt).toBe(4);
    const snap = bb.toJSON();
    expect(snap.openUntil! - snap.since).toBe(800);
    await waitFor(() => ba.toJSON().openAttempt === 4, 1_000, 'A sees attempt 4');
    const err = (await ba.execute(ok).catch((e: unknown) => e)) as { retryAfterMs?: number };
    expect(err.retryAfterMs).toBeGreaterThan(500);
    expect(a.stats().errors + b.stats().errors).toBe(0);
  });
});
