import { afterEach, describe, expect, it } from 'vitest';
import { circuitBreaker, consecutiveFailures } from '@breakwater/core';
import { uniquePrefix } from '@breakwater/testkit';
import { testRedisUrl } from '@breakwater/testkit/vitest';
import { runCli } from './cli/main.js';
import { breakerKeys, eventsChannel } from './keys.js';
import { Harness, boom, ok, ready, waitFor } from './test-support/harness.js';

const h = new Harness();
afterEach(() => h.closeAll());
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Two replicas of breaker `payments` and a raw connection playing the attacker. */
async function fleet(tag: string) {
  const prefix = uniquePrefix(tag);
  const url = testRedisUrl();
  const a = h.store({ redis: h.redis(url), prefix, instanceId: 'A' });
  const b = h.store({ redis: h.redis(url), prefix, instanceId: 'B' });
  const opts = { name: 'payments', trip: consecutiveFailures(1), halfOpenAfterMs: 5000 };
  const [pa, pb] = [circuitBreaker({ ...opts, store: a }), circuitBreaker({ ...opts, store: b })];
  await Promise.all([ready(a), ready(b)]);
  const evil = h.redis(url);
  h.onClose(async () => {
    const keys = await evil.keys(`*${prefix}*`);
    if (keys.length > 0) await evil.del(...keys);
  });
  return { prefix, url, a, b, pa, pb, evil, key: breakerKeys(prefix, 'payments').state };
}

async function cli(url: string, ...argv: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const code = await runCli(
    ['--url', url, ...argv],
    {},
    {
      out: (s) => {
        out += s;
      },
      err: (s) => {
        out += s;
      },
    },
  );
  return { code, out };
}

describe('a client with write access cannot wedge the fleet', () => {
  it("forged PUBLISH (the issue's payload, and a plausible one) opens nothing: messages are hints to re-read", async () => {
    const { prefix, a, b, pa, pb, evil, key } = await fleet('forgepub');
    const huge = {
      v: 1,
      p: prefix,
      n: 'payments',
      s: 'open',
      g: 9007199254740991,
      u: 9007199254740991,
      t: 0,
      r: 'x',
      o: 'x',
      q: 0,
    };
    const plausible = { ...huge, g: 99, u: Date.now() + 60_000, t: Date.now() };
    await evil.publish(eventsChannel(prefix), JSON.stringify(huge));
    await evil.publish(eventsChannel(prefix), JSON.stringify(plausible));
    await waitFor(() => a.stats().messagesIn >= 2 && b.stats().messagesIn >= 2, 1000, 'forged messages delivered');
    await sleep(100);
    expect(pa.state).toBe('closed');
    expect(pb.state).toBe('closed');
    expect(await evil.exists(key)).toBe(0); // nobody wrote forged state back
    expect(a.stats().messagesIgnored).toBeGreaterThanOrEqual(1);
    // Real transitions still propagate.
    await pa.execute(boom).catch(() => undefined);
    await waitFor(() => pb.state === 'open', 1000, 'B open after a real trip');
    expect(await evil.hget(key, 'gen')).toMatch(/^\d+$/);
  });

  it('a forged hash (huge generation, far open period) is refused and counted, then overwritten by the next trip', async () => {
    const { a, b, pa, pb, evil, key, prefix } = await fleet('forgehash');
    await evil.hset(key, {
      state: 'open',
      gen: '9007199254740991',
      openUntil: '9007199254740991',
      reason: 'x',
      at: '0',
      origin: 'x',
    });
    await evil.publish(
      eventsChannel(prefix),
      JSON.stringify({ v: 1, p: prefix, n: 'payments', s: 'open', g: 5, u: 5, t: 1, r: 'x', o: 'x', q: 0 }),
    );
    await waitFor(
      () => a.stats().messagesIgnored >= 1 && b.stats().messagesIgnored >= 1,
      1000,
      'malformed hash counted',
    );
    const yearAhead = String(Date.now() + 365 * 24 * 3600_000);
    await evil.hset(key, { gen: '7', openUntil: yearAhead, at: String(Date.now()) });
    await evil.publish(
      eventsChannel(prefix),
      JSON.stringify({ v: 1, p: prefix, n: 'payments', s: 'open', g: 7, u: 5, t: 1, r: 'x', o: 'x', q: 0 }),
    );
    await waitFor(() => a.stats().refused >= 1 && b.stats().refused >= 1, 1000, 'far open period refused');
    expect(pa.state).toBe('closed');
    expect(pb.state).toBe('closed');
    expect(await pb.execute(ok)).toBe('ok');
    await pa.execute(boom).catch(() => undefined);
    await waitFor(() => pb.state === 'open', 1000, 'the next trip overwrites the forged record and reaches B');
    expect(Number(await evil.hget(key, 'openUntil'))).toBeLessThan(Date.now() + 10_000);
    expect(a.healthy && b.healthy).toBe(true);
  });

  it('a generation implausibly far ahead of the one seen is refused', async () => {
    const { a, b, pa, pb, evil, key, prefix } = await fleet('forgejump');
    await pa.execute(boom).catch(() => undefined);
    await waitFor(() => pb.state === 'open', 1000, 'B open');
    pa.reset();
    await waitFor(() => pb.state === 'closed', 1000, 'B closed');
    const gen = Number(await evil.hget(key, 'gen'));
    await evil.hset(key, { state: 'isolated', gen: String(gen + 5_000_000), openUntil: '0', origin: 'x' });
    await evil.publish(
      eventsChannel(prefix),
      JSON.stringify({ v: 1, p: prefix, n: 'payments', s: 'closed', g: 1, u: 0, t: 1, r: 'x', o: 'x', q: 0 }),
    );
    await waitFor(() => a.stats().refused >= 1 && b.stats().refused >= 1, 1000, 'jump refused');
    expect(pa.state).toBe('closed');
    expect(pb.state).toBe('closed');
  });

  it('CLI reset recovers whatever the record holds; Lua writes integers exactly', async () => {
    const { url, prefix, pa, pb, evil, key } = await fleet('forgereset');
    await pa.execute(boom).catch(() => undefined);
    await waitFor(() => pb.state === 'open', 1000, 'B open');
    for (const gen of ['9007199254740991', 'banana', '1e3', String(2 ** 40)]) {
      await evil.hset(key, { state: 'open', gen, openUntil: '9007199254740991' });
      const r = await cli(url, '--prefix', prefix, 'reset', 'payments');
      expect(r.code, r.out).toBe(0);
      expect(await evil.hget(key, 'state')).toBe('closed');
      expect(await evil.hget(key, 'gen')).toMatch(/^\d{1,13}$/);
      expect(await evil.hget(key, 'openUntil')).toBe('0');
      await waitFor(
        () => pa.state === 'closed' && pb.state === 'closed',
        1000,
        `both closed after reset over gen=${gen}`,
      );
      await pa.execute(boom).catch(() => undefined);
      await waitFor(() => pb.state === 'open', 1000, `sharing works again after reset over gen=${gen}`);
    }
    // A forged isolation is released the same way.
    await evil.hset(key, { state: 'isolated', gen: '9007199254740991', openUntil: '0' });
    expect((await cli(url, '--prefix', prefix, 'release', 'payments')).code).toBe(0);
    expect(await evil.hget(key, 'state')).toBe('closed');
  });
});

describe('a forged probe lease cannot wedge a breaker open', () => {
  it('a lease without expiry, far beyond any store lease or of the wrong type is taken over: the fleet probes and closes', async () => {
    for (const px of [undefined, 10 * 365 * 24 * 3600_000, 'hash'] as const) {
      const prefix = uniquePrefix('forgelease');
      const url = testRedisUrl();
      const a = h.store({ redis: h.redis(url), prefix, instanceId: 'A' });
      const b = h.store({ redis: h.redis(url), prefix, instanceId: 'B' });
      const opts = { name: 'payments', trip: consecutiveFailures(1), halfOpenAfterMs: 100 };
      const [pa, pb] = [circuitBreaker({ ...opts, store: a }), circuitBreaker({ ...opts, store: b })];
      await Promise.all([ready(a), ready(b)]);
      const evil = h.redis(url);
      const probe = breakerKeys(prefix, 'payments').probe;
      await pa.execute(boom).catch(() => undefined);
      await waitFor(() => pb.state === 'open', 1000, 'B open');
      if (px === undefined) await evil.set(probe, 'evil');
      else if (px === 'hash') await evil.hset(probe, 'holder', 'evil');
      else await evil.set(probe, 'evil', 'PX', px);
      const before = a.stats().commands + b.stats().commands;
      await waitFor(
        async () => {
          await Promise.all([pa.execute(ok).catch(() => undefined), pb.execute(ok).catch(() => undefined)]);
          return pa.state === 'closed' && pb.state === 'closed';
        },
        3000,
        `the fleet probes and closes despite a forged lease (PX ${String(px)})`,
      );
      expect(a.stats().commands + b.stats().commands - before).toBeLessThan(200); // no acquire storm
      const keys = await evil.keys(`*${prefix}*`);
      if (keys.length > 0) await evil.del(...keys);
      await h.closeAll();
    }
  });
});
