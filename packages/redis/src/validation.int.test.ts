import { afterEach, describe, expect, it } from 'vitest';
import { circuitBreaker, consecutiveFailures, ConfigError } from '@breakwater/core';
import { uniquePrefix } from '@breakwater/testkit';
import { testRedisUrl } from '@breakwater/testkit/vitest';
import { breakerKeys, eventsChannel } from './keys.js';
import { Harness, boom, ok, ready, waitFor } from './test-support/harness.js';

const h = new Harness();
afterEach(() => h.closeAll());
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('payload validation', () => {
  it('garbage published on the channel is ignored and counted, never thrown', async () => {
    const prefix = uniquePrefix('garbage');
    const url = testRedisUrl();
    const errors: unknown[] = [];
    const s = h.store({ redis: h.redis(url), prefix, onError: (e) => errors.push(e) });
    const b = circuitBreaker({ name: 'users', store: s });
    await ready(s);
    const pub = h.redis(url);
    const valid = { v: 1, p: prefix, n: 'users', s: 'open', g: 99, u: 1, t: 1, r: 'x', o: 'evil', q: 0 };
    const garbage = [
      'not json',
      '{}',
      '[]',
      'null',
      '"open"',
      JSON.stringify({ ...valid, s: 'half-open' }),
      JSON.stringify({ ...valid, s: 'banana' }),
      JSON.stringify({ ...valid, g: -1 }),
      JSON.stringify({ ...valid, g: 1.5 }),
      JSON.stringify({ ...valid, g: '99' }),
      JSON.stringify({ ...valid, u: 0 }),
      JSON.stringify({ ...valid, v: 2 }),
      JSON.stringify({ ...valid, p: 'someone-else' }),
      JSON.stringify({ ...valid, r: 'x'.repeat(5000) }),
      JSON.stringify({ ...valid, n: '' }),
      JSON.stringify({ ...valid, o: 42 }),
      JSON.stringify({ ...valid, s: 'closed', u: 5 }),
    ];
    for (const g of garbage) await pub.publish(eventsChannel(prefix), g);
    await waitFor(() => s.stats().messagesIn >= garbage.length, 2000, 'all garbage delivered');
    expect(s.stats().messagesIgnored).toBe(garbage.length);
    expect(b.state).toBe('closed');
    expect(await b.execute(ok)).toBe('ok');
    expect(s.healthy).toBe(true);
    expect(errors).toEqual([]);
  });

  it('a malformed state hash is ignored and counted, then overwritten by the next transition', async () => {
    const prefix = uniquePrefix('badhash');
    const url = testRedisUrl();
    const raw = h.redis(url);
    await raw.hset(breakerKeys(prefix, 'users').state, {
      state: 'banana',
      gen: 'x',
      openUntil: '-5',
      reason: 1,
      at: 'y',
      origin: '',
    });
    const a = h.store({ redis: h.redis(url), prefix, instanceId: 'A' });
    const bStore = h.store({ redis: h.redis(url), prefix, instanceId: 'B' });
    const opts = { name: 'users', trip: consecutiveFailures(1), halfOpenAfterMs: 5000 };
    const ba = circuitBreaker({ ...opts, store: a });
    const bb = circuitBreaker({ ...opts, store: bStore });
    await Promise.all([ready(a), ready(bStore)]);
    await waitFor(
      () => a.stats().messagesIgnored >= 1 && bStore.stats().messagesIgnored >= 1,
      1000,
      'malformed hash counted',
    );
    expect(ba.state).toBe('closed');
    await ba.execute(boom).catch(() => undefined);
    await waitFor(() => bb.state === 'open', 1000, 'B open despite the garbage that was there');
    expect(await raw.hget(breakerKeys(prefix, 'users').state, 'state')).toBe('open');
  });

  it('a key of the wrong type makes commands fail (counted) while breakers keep working locally', async () => {
    const prefix = uniquePrefix('wrongtype');
    const url = testRedisUrl();
    await h.redis(url).set(breakerKeys(prefix, 'users').state, 'a string, not a hash');
    const s = h.store({ redis: h.redis(url), prefix });
    const b = circuitBreaker({ name: 'users', trip: consecutiveFailures(1), halfOpenAfterMs: 50, store: s });
    await waitFor(() => s.stats().errors > 0, 2000, 'the resync error to be counted');
    await b.execute(boom).catch(() => undefined);
    expect(b.state).toBe('open');
    await sleep(80);
    expect(await b.execute(ok)).toBe('ok');
    expect(b.state).toBe('closed');
    // One bad key does not stop the store: it stays healthy and other breakers still share state.
    await waitFor(() => s.healthy, 1000, 'store healthy despite the bad key');
    const other = h.store({ redis: h.redis(url), prefix });
    await ready(other);
    const [x1, x2] = [
      circuitBreaker({ name: 'orders', trip: consecutiveFailures(1), halfOpenAfterMs: 5000, store: s }),
      circuitBreaker({ name: 'orders', trip: consecutiveFailures(1), halfOpenAfterMs: 5000, store: other }),
    ];
    await sleep(50);
    await x1.execute(boom).catch(() => undefined);
    await waitFor(() => x2.state === 'open', 1000, 'another breaker still propagates');
  });
});

describe('namespacing', () => {
  it("a store with prefix A never acts on prefix B's data", async () => {
    const url = testRedisUrl();
    const pa = uniquePrefix('nsA');
    const pb = uniquePrefix('nsB');
    const [a1, a2, b1] = [pa, pa, pb].map((prefix) => h.store({ redis: h.redis(url), prefix }));
    await Promise.all([a1, a2, b1].map((s) => ready(s!)));
    const mk = (store: typeof a1) =>
      circuitBreaker({ name: 'shared-name', trip: consecutiveFailures(1), halfOpenAfterMs: 5000, store });
    const [x1, x2, y1] = [mk(a1!), mk(a2!), mk(b1!)];
    await x1.execute(boom).catch(() => undefined);
    await waitFor(() => x2.state === 'open', 1000, 'same prefix propagates');
    await sleep(100);
    expect(y1.state).toBe('closed');
    expect(b1!.stats().messagesIn).toBe(0);
  });

  it('prefix app + name x:y and prefix app:x + name y are different breakers, also after a resync', async () => {
    const url = testRedisUrl();
    const base = uniquePrefix('coll');
    const mk = (store: ReturnType<typeof h.store>, name: string) =>
      circuitBreaker({ name, trip: consecutiveFailures(1), halfOpenAfterMs: 5000, store });
    const s1 = h.store({ redis: h.redis(url), prefix: base });
    await ready(s1);
    const first = mk(s1, 'x:y');
    await sleep(50);
    await first.execute(boom).catch(() => undefined);
    // A replica of the other namespace starts now: its first resync reads what Redis holds.
    const s2 = h.store({ redis: h.redis(url), prefix: `${base}:x` });
    const other = mk(s2, 'y');
    await ready(s2);
    await waitFor(() => s2.stats().resyncs >= 1, 1000, 'resync');
    await sleep(100);
    expect(other.state).toBe('closed');
    const raw = h.redis(url);
    expect(await raw.exists(breakerKeys(base, 'x:y').state)).toBe(1);
    expect(await raw.exists(breakerKeys(`${base}:x`, 'y').state)).toBe(0);
    await raw.del(breakerKeys(base, 'x:y').state);
  });

  it('names are validated when a breaker attaches; a 512-character name with separators propagates', async () => {
    const url = testRedisUrl();
    const prefix = uniquePrefix('names');
    const [a, b] = [h.store({ redis: h.redis(url), prefix }), h.store({ redis: h.redis(url), prefix })];
    expect(() => circuitBreaker({ name: 'n'.repeat(1001), store: a })).toThrow(ConfigError);
    expect(() => circuitBreaker({ name: 'n'.repeat(1001), store: a })).toThrow(/circuitBreaker\.name/);
    await Promise.all([ready(a), ready(b)]);
    const name = `svc:{x}%:${'n'.repeat(503)}`;
    expect(name).toHaveLength(512);
    const [x, y] = [a, b].map((store) =>
      circuitBreaker({ name, trip: consecutiveFailures(1), halfOpenAfterMs: 5000, store }),
    );
    await sleep(50);
    await x!.execute(boom).catch(() => undefined);
    await waitFor(() => y!.state === 'open', 1000, 'long name propagates');
    await h.redis(url).del(breakerKeys(prefix, name).state);
  });
});
