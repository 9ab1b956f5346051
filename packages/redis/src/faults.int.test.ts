import { afterEach, describe, expect, it } from 'vitest';
import { Redis } from './test-support/ioredis.js';
import { circuitBreaker, consecutiveFailures, type CircuitBreaker } from '@breakwater/core';
import { freePort, spawnRedisServer, uniquePrefix, type SpawnedRedis } from '@breakwater/testkit';
import { breakerKeys } from './keys.js';
import type { RedisBreakerStore } from './store.js';
import { Harness, boom, ok, ready, waitFor } from './test-support/harness.js';

const h = new Harness();
afterEach(() => h.closeAll());

/** Calls `b` with a healthy upstream every ms until stopped; counts failed calls and the slowest call. */
function load(breakers: CircuitBreaker[]): { stop(): Promise<{ calls: number; failed: number; maxMs: number }> } {
  let running = true;
  let calls = 0;
  let failed = 0;
  let maxMs = 0;
  const loop = (async () => {
    while (running) {
      for (const b of breakers) {
        const t0 = performance.now();
        await b.execute(ok).catch(() => {
          failed += 1;
        });
        maxMs = Math.max(maxMs, performance.now() - t0);
        calls += 1;
      }
      await new Promise((r) => setTimeout(r, 1));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { calls, failed, maxMs };
    },
  };
}

/** A redis-server of this test's own (it gets killed or put to sleep) and two replicas' stores on it, ready. */
async function ownRedisAndReplicas(
  tag: string,
): Promise<{ srv: SpawnedRedis; prefix: string; a: RedisBreakerStore; b: RedisBreakerStore }> {
  const srv = await spawnRedisServer();
  h.onClose(() => srv.stop());
  const prefix = uniquePrefix(tag);
  const store = (instanceId: string) => h.store({ redis: h.redis(srv.url), prefix, instanceId, commandTimeoutMs: 100 });
  const [a, b] = [store('A'), store('B')];
  await Promise.all([ready(a), ready(b)]);
  return { srv, prefix, a, b };
}

const mk = (name: string, store: RedisBreakerStore, halfOpenAfterMs = 10_000) =>
  circuitBreaker({ name, trip: consecutiveFailures(1), halfOpenAfterMs, store });

describe('Redis faults', () => {
  it('kill -9 mid-load, restart on the same port: no call fails, state resynced within 1 s', async () => {
    const { srv, prefix, a, b } = await ownRedisAndReplicas('kill');
    const [xa, xb, ya, yb, za, zb] = [mk('x', a), mk('x', b), mk('y', a), mk('y', b), mk('z', a), mk('z', b)];
    await xa.execute(boom).catch(() => undefined);
    await waitFor(() => xb.state === 'open', 1000, 'x open on B');
    const traffic = load([ya!, yb!]);

    await srv.kill('SIGKILL');
    await waitFor(() => !a.healthy && !b.healthy, 2000, 'both stores unhealthy');
    await za.execute(boom).catch(() => undefined); // a trip while Redis is gone stays local for now
    expect(za.state).toBe('open');
    expect(zb.state).toBe('closed');
    await new Promise((r) => setTimeout(r, 200));

    await srv.restart(); // empty: no persistence
    const restartedAt = Date.now();
    await waitFor(() => a.healthy && b.healthy, 1000, 'stores healthy again');
    await waitFor(() => zb.state === 'open', 1000, 'the trip made during the outage reaches B');
    const raw = h.redis(srv.url);
    await waitFor(
      async () => (await raw.hget(breakerKeys(prefix, 'x').state, 'state')) === 'open',
      1000,
      'x re-published after the restart',
    );
    expect(Date.now() - restartedAt).toBeLessThan(1000);
    expect(xa.state).toBe('open');
    expect(xb.state).toBe('open');
    const r = await traffic.stop();
    expect(r.calls).toBeGreaterThan(100);
    expect(r.failed).toBe(0);
    expect(a.stats().resyncs).toBeGreaterThanOrEqual(2);
  });

  it('DEBUG SLEEP 0.5 (slow Redis) leaves call latency unaffected and recovers on its own', async () => {
    const { srv, a, b } = await ownRedisAndReplicas('slow');
    const [ya, yb, za, zb] = [mk('y', a), mk('y', b), mk('z', a), mk('z', b)];
    const traffic = load([ya!, yb!]);
    const sleeper = new Redis(srv.url);
    sleeper.on('error', () => undefined);
    h.onClose(() => sleeper.disconnect());
    await waitFor(() => sleeper.status === 'ready', 2000, 'sleeper connected');
    const sleeping = sleeper.call('DEBUG', 'SLEEP', '0.5');
    await new Promise((r) => setTimeout(r, 30)); // Redis is asleep now
    await za.execute(boom).catch(() => undefined); // its publish times out
    expect(za.state).toBe('open');
    await waitFor(() => !a.healthy, 500, 'A notices the slow Redis');
    await sleeping;
    await waitFor(() => a.healthy && b.healthy, 2000, 'recovered');
    await waitFor(() => zb.state === 'open', 1000, 'the delayed transition reaches B');
    const r = await traffic.stop();
    expect(r.failed).toBe(0);
    // Calls never wait on Redis: a wait would show as ≥ 500 ms; the margin absorbs a loaded CI machine.
    expect(r.maxMs).toBeLessThan(200);
    expect(a.stats().errors).toBeGreaterThan(0);
  });

  it('unreachable from the start: healthy stays false, breakers work locally, close() is quick', async () => {
    const port = await freePort();
    const errors: unknown[] = [];
    const s = h.store({
      redis: h.redis(`redis://127.0.0.1:${port}`),
      prefix: 'bw',
      commandTimeoutMs: 50,
      onError: (e) => errors.push(e),
    });
    const br = mk('offline', s, 50);
    await br.execute(boom).catch(() => undefined);
    expect(br.state).toBe('open');
    await new Promise((r) => setTimeout(r, 80));
    expect(await br.execute(ok)).toBe('ok'); // local half-open probe
    expect(br.state).toBe('closed');
    expect(s.healthy).toBe(false);
    expect(errors.length).toBeGreaterThan(0);
    const t0 = Date.now();
    await s.close();
    expect(Date.now() - t0).toBeLessThan(500);
  });
});
