import { afterEach, describe, expect, it } from 'vitest';
import { circuitBreaker, consecutiveFailures } from '@breakwater/core';
import { spawnRedisServer, uniquePrefix } from '@breakwater/testkit';
import { testRedisUrl } from '@breakwater/testkit/vitest';
import { breakerKeys } from './keys.js';
import type { RedisBreakerStore } from './store.js';
import { Harness, boom, ready, waitFor } from './test-support/harness.js';

const h = new Harness();
afterEach(() => h.closeAll());
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const mk = (store: RedisBreakerStore, name = 'orders') =>
  circuitBreaker({ name, trip: consecutiveFailures(1), halfOpenAfterMs: 10_000, store });

describe('lost announcements are healed by the version check within seconds', () => {
  it('a transition in Redis whose message was lost reaches the other replica (no 30 s resync)', async () => {
    const url = testRedisUrl();
    const prefix = uniquePrefix('lostmsg');
    const opts = { prefix, versionCheckIntervalMs: 500, resyncIntervalMs: 60_000 };
    const [a, b] = [
      h.store({ redis: h.redis(url), ...opts, instanceId: 'A' }),
      h.store({ redis: h.redis(url), ...opts, instanceId: 'B' }),
    ];
    const [oa, ob] = [mk(a), mk(b)];
    await Promise.all([ready(a), ready(b)]);
    await oa.execute(boom).catch(() => undefined);
    await waitFor(() => ob.state === 'open', 1000, 'B open');
    oa.reset();
    await waitFor(() => ob.state === 'closed', 1000, 'B closed');
    // What a replica writes when it trips, minus the PUBLISH (lost with a dying master).
    const raw = h.redis(url);
    const key = breakerKeys(prefix, 'orders').state;
    h.onClose(async () => {
      await raw.del(key);
    });
    const gen = Number(await raw.hget(key, 'gen'));
    const [sec] = await raw.time();
    const now = Number(sec) * 1000;
    await raw.hset(key, {
      state: 'open',
      gen: String(gen + 1),
      openUntil: String(now + 10_000),
      reason: 'lost',
      at: String(now),
      origin: 'C',
    });
    const ms = await waitFor(() => oa.state === 'open' && ob.state === 'open', 2000, 'both open from the record alone');
    expect(ms).toBeLessThan(1500);
  });

  it('FLUSHALL without a reconnect: open states are re-published within the check interval', async () => {
    const srv = await spawnRedisServer();
    h.onClose(() => srv.stop());
    const prefix = uniquePrefix('flush');
    const opts = { prefix, versionCheckIntervalMs: 500, resyncIntervalMs: 60_000 };
    const [a, b] = [h.store({ redis: h.redis(srv.url), ...opts }), h.store({ redis: h.redis(srv.url), ...opts })];
    const [oa, ob] = [mk(a), mk(b)];
    await Promise.all([ready(a), ready(b)]);
    await oa.execute(boom).catch(() => undefined);
    await waitFor(() => ob.state === 'open', 1000, 'B open');
    const raw = h.redis(srv.url);
    await raw.flushall();
    const key = breakerKeys(prefix, 'orders').state;
    await waitFor(
      async () => (await raw.hget(key, 'state')) === 'open',
      1500,
      'open state re-published after FLUSHALL',
    );
    // A replica starting now learns it from Redis.
    const c = h.store({ redis: h.redis(srv.url), ...opts });
    const oc = mk(c);
    await waitFor(() => oc.state === 'open', 1500, 'a new replica sees the re-published open state');
  });

  it('command budget: one script per check for all breakers (standalone), nothing else at steady state', async () => {
    const url = testRedisUrl();
    const prefix = uniquePrefix('budget');
    const s = h.store({ redis: h.redis(url), prefix, versionCheckIntervalMs: 200, resyncIntervalMs: 60_000 });
    for (let i = 0; i < 50; i++) mk(s, `b${i}`);
    await ready(s);
    await sleep(300);
    const before = s.stats().commands;
    await sleep(1000);
    const checks = s.stats().commands - before;
    expect(checks).toBeGreaterThanOrEqual(3);
    expect(checks).toBeLessThanOrEqual(6); // ~5 checks of 50 breakers, not 250 commands
  });
});
