import { afterEach, describe, expect, it } from 'vitest';
import { circuitBreaker, consecutiveFailures } from '@breakwater/core';
import { uniquePrefix } from '@breakwater/testkit';
import { testRedisUrl } from '@breakwater/testkit/vitest';
import { breakerKeys } from './keys.js';
import type { RedisBreakerStore } from './store.js';
import { Harness, boom, ready, waitFor } from './test-support/harness.js';
import { ReplyGate } from './test-support/reply-gate.js';

const h = new Harness();
afterEach(() => h.closeAll());
const mk = (store: RedisBreakerStore) =>
  circuitBreaker({ name: 'orders', trip: consecutiveFailures(1), halfOpenAfterMs: 10_000, store });

/**
 * Replica A talks to Redis through a gate that holds its replies (commands still execute at once,
 * in order); B talks to Redis directly. That orders "executed in Redis" and "answered to A" exactly
 * as in the reconciler property test's counterexamples, where A's breaker used to end up
 * disagreeing with the fleet until its next transition.
 */
async function setup(tag: string) {
  const url = testRedisUrl();
  const gate = await ReplyGate.start(url);
  h.onClose(() => gate.close());
  const prefix = uniquePrefix(tag);
  // No timers during the test (a timed resync or version check would heal what is tested here),
  // and command timeouts longer than a held reply.
  const opts = { prefix, versionCheckIntervalMs: 60_000, resyncIntervalMs: 60_000, commandTimeoutMs: 5000 };
  const a = h.store({ redis: h.redis(gate.url), ...opts, instanceId: 'A' });
  const b = h.store({ redis: h.redis(url), ...opts, instanceId: 'B' });
  const [oa, ob] = [mk(a), mk(b)];
  await Promise.all([ready(a), ready(b)]);
  const raw = h.redis(url);
  const key = breakerKeys(prefix, 'orders');
  h.onClose(async () => {
    await raw.del(key.state, key.votes, key.probe, key.counts);
  });
  const stored = async () => (await raw.hget(key.state, 'state')) ?? 'closed';
  return { gate, a, oa, ob, stored };
}

describe('a breaker converges on the fleet record when fleet news crosses its own write (real Redis)', () => {
  it('a record read while A writes an isolation does not override it: A stays isolated, as does the fleet', async () => {
    const { gate, oa, ob, stored } = await setup('conv-iso');
    gate.hold();
    await ob.execute(boom).catch(() => undefined); // B trips; A re-reads on its message: executed, answer held
    await waitFor(() => gate.heldChunks >= 1, 2000, "A's re-read executed");
    const handle = oa.isolate(); // A's write expects generation 0: it conflicts, answer held
    await waitFor(() => gate.heldChunks >= 2, 2000, "A's write executed");
    gate.release(); // the read (B's open) arrives while the write is in flight; the write is retried and wins
    await waitFor(async () => (await stored()) === 'isolated' && ob.state === 'isolated', 2000, 'the fleet isolated');
    await new Promise((r) => setTimeout(r, 100));
    expect(oa.state).toBe('isolated');
    handle.release();
    await waitFor(
      async () => (await stored()) === 'closed' && ob.state === 'closed' && oa.state === 'closed',
      2000,
      'released',
    );
  });

  it('an isolation A’s conflicting trip yields to is not delivered over A’s reset made meanwhile: A and the fleet read closed', async () => {
    const { gate, oa, ob, stored } = await setup('conv-reset');
    gate.hold();
    ob.isolate(); // B isolates; A re-reads on its message: executed, answer held
    await waitFor(() => gate.heldChunks >= 1, 2000, "A's re-read executed");
    await oa.execute(boom).catch(() => undefined); // A trips: its write conflicts with the isolation, answer held
    await waitFor(() => gate.heldChunks >= 2, 2000, "A's write executed");
    oa.reset(); // an operator's reset on A, pending behind the write
    gate.release(); // the trip yields to the isolation; the reset is written over it
    await waitFor(async () => (await stored()) === 'closed' && ob.state === 'closed', 2000, 'the fleet reset');
    await new Promise((r) => setTimeout(r, 100));
    expect(oa.state).toBe('closed');
  });
});
