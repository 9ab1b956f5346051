import { afterEach, describe, expect, it } from 'vitest';
import { circuitBreaker, consecutiveFailures } from '@breakwater/core';
import { uniquePrefix } from '@breakwater/testkit';
import { testRedisUrl } from '@breakwater/testkit/vitest';
import { canonicalRecord, RecordAuth, UnauthenticatedDataError } from './auth.js';
import { runCli } from './cli/main.js';
import { FleetAdmin } from './admin.js';
import { breakerKeys, eventsChannel } from './keys.js';
import type { RedisBreakerStoreOptions } from './options.js';
import { runCliCaptured } from './test-support/cli.js';
import { Harness, boom, ready, waitFor } from './test-support/harness.js';

const h = new Harness();
afterEach(() => h.closeAll());
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const NEW = 'new-secret-0123456789abcdef';
const OLD = 'old-secret-0123456789abcdef';

/** Two replicas of breaker `payments` with the given secrets, and a raw connection playing the attacker. */
async function fleet(
  tag: string,
  secretA: RedisBreakerStoreOptions['secret'],
  secretB: RedisBreakerStoreOptions['secret'],
) {
  const prefix = uniquePrefix(tag);
  const url = testRedisUrl();
  const errors: { A: unknown[]; B: unknown[] } = { A: [], B: [] };
  const store = (id: 'A' | 'B', secret: RedisBreakerStoreOptions['secret']) =>
    h.store({
      redis: h.redis(url),
      prefix,
      instanceId: id,
      onError: (e) => errors[id].push(e),
      ...(secret === undefined ? {} : { secret }),
    });
  const a = store('A', secretA);
  const b = store('B', secretB);
  const opts = { name: 'payments', trip: consecutiveFailures(1), halfOpenAfterMs: 60_000 };
  const [pa, pb] = [circuitBreaker({ ...opts, store: a }), circuitBreaker({ ...opts, store: b })];
  await Promise.all([ready(a), ready(b)]);
  const evil = h.redis(url);
  h.onClose(async () => {
    const keys = await evil.keys(`*${prefix}*`);
    if (keys.length > 0) await evil.del(...keys);
  });
  return { prefix, url, a, b, pa, pb, evil, errors, key: breakerKeys(prefix, 'payments').state };
}

const unauthenticated = (list: unknown[]): UnauthenticatedDataError[] =>
  list.filter((e): e is UnauthenticatedDataError => e instanceof UnauthenticatedDataError);

describe('RedisBreakerStore({ secret }): authenticated records and messages', () => {
  it('two stores with the same secret share state; the record and message carry a MAC node:crypto verifies (Lua agrees)', async () => {
    const { prefix, pa, pb, evil, key } = await fleet('auth-share', NEW, NEW);
    const sub = h.redis(testRedisUrl());
    const messages: string[] = [];
    sub.on('message', (_ch: string, m: string) => messages.push(m));
    await sub.subscribe(eventsChannel(prefix));
    await pa.execute(boom).catch(() => undefined);
    await waitFor(() => pb.state === 'open', 1000, 'B open after A tripped');
    const rec = await evil.hgetall(key);
    expect(rec['mac']).toMatch(/^[0-9a-f]{40}$/);
    const auth = new RecordAuth([NEW], prefix);
    const texts = {
      state: rec['state']!,
      gen: rec['gen']!,
      openUntil: rec['openUntil']!,
      reason: rec['reason']!,
      at: rec['at']!,
      origin: rec['origin']!,
      attempt: rec['attempt']!,
    };
    expect(auth.verify(canonicalRecord(prefix, 'payments', texts), rec['mac'])).toBe(true);
    await waitFor(() => messages.length > 0, 1000, 'message');
    expect(JSON.parse(messages[0]!)).toMatchObject({ m: rec['mac'], a: Number(rec['attempt']) });
    pb.reset();
    await waitFor(() => pa.state === 'closed', 1000, 'A closed after B reset');
  });

  it('forged PUBLISH and forged HSET without the key are refused, counted and reported; sharing goes on', async () => {
    const { prefix, a, b, pa, pb, evil, key, errors } = await fleet('auth-forge', NEW, NEW);
    const forged = {
      v: 1,
      p: prefix,
      n: 'payments',
      s: 'open',
      g: 5,
      u: Date.now() + 30_000,
      t: Date.now(),
      r: 'x',
      o: 'evil',
      q: 0,
      a: 0,
    };
    await evil.publish(eventsChannel(prefix), JSON.stringify(forged));
    await evil.publish(eventsChannel(prefix), JSON.stringify({ ...forged, m: 'f'.repeat(40) }));
    await waitFor(
      () => a.stats().unauthenticatedMessages >= 2 && b.stats().unauthenticatedMessages >= 2,
      1000,
      'forged messages refused',
    );
    // A plausible record written by hand (no MAC, then a wrong one), announced by a message that
    // would pass were the store to trust it: read on the version check / next read, refused.
    const now = Date.now();
    await evil.hset(key, {
      state: 'isolated',
      gen: '3',
      openUntil: '0',
      reason: 'forged',
      at: String(now),
      origin: 'evil',
      attempt: '0',
    });
    await waitFor(
      () => a.stats().unauthenticatedRecords >= 1 && b.stats().unauthenticatedRecords >= 1,
      4000,
      'forged record refused by the version check',
    );
    await evil.hset(key, { mac: 'a'.repeat(40) });
    await sleep(50);
    expect(pa.state).toBe('closed');
    expect(pb.state).toBe('closed');
    expect(a.stats().messagesIgnored + b.stats().messagesIgnored).toBe(0);
    const notices = unauthenticated(errors.A);
    expect(notices.length).toBeGreaterThanOrEqual(1);
    expect(notices.length).toBeLessThanOrEqual(2); // rate-limited
    expect(notices[0]!.code).toBe('BW_REDIS_UNAUTHENTICATED');
    // The next real transition overwrites the forged record (Lua treats it as one nobody accepts).
    await pa.execute(boom).catch(() => undefined);
    await waitFor(() => pb.state === 'open', 1000, 'B open after a real trip over the forged record');
    expect(await evil.hget(key, 'origin')).toBe('A');
    expect(a.healthy && b.healthy).toBe(true);
  });

  it('rotation: store 1 with [new, old] and store 2 with [old] keep sharing both ways', async () => {
    const { pa, pb, key, evil } = await fleet('auth-rotate', [NEW, OLD], [OLD]);
    await pa.execute(boom).catch(() => undefined);
    await waitFor(() => pb.state === 'open', 1000, 'store 2 (old key) adopts a write of store 1 (new + old)');
    expect(await evil.hget(key, 'mac')).toMatch(/^[0-9a-f]{80}$/);
    pb.reset();
    await waitFor(() => pa.state === 'closed', 1000, 'store 1 adopts a write of store 2 (old key)');
    await pb.execute(boom).catch(() => undefined);
    await waitFor(() => pa.state === 'open', 1000, 'store 1 opens after a trip on store 2');
  });

  it('mismatched secrets: no sharing, and loudly so; a store without a secret verifies nothing, but its writes are refused', async () => {
    for (const [sa, sb] of [
      [NEW, OLD],
      [NEW, undefined],
    ] as const) {
      const { a, b, pa, pb, errors } = await fleet('auth-mismatch', sa, sb);
      await pa.execute(boom).catch(() => undefined);
      if (sb !== undefined)
        await waitFor(() => b.stats().unauthenticatedMessages >= 1, 1000, 'B refuses the message of A');
      await sleep(150);
      expect(pb.state).toBe(sb === undefined ? 'open' : 'closed'); // without a secret, B verifies nothing
      // B's trip: A (with a secret) refuses B's unsigned or foreign record and message.
      pb.reset();
      await pb.execute(boom).catch(() => undefined);
      await waitFor(() => a.stats().unauthenticatedMessages >= 1, 1000, 'A refuses the message of B');
      if (sb !== undefined) expect(unauthenticated(errors.B).length).toBeGreaterThanOrEqual(1);
      expect(unauthenticated(errors.A).length).toBeGreaterThanOrEqual(1);
      expect(pa.state).toBe('open'); // its own local trip; B's state never arrived
      await h.closeAll();
    }
  });

  it('CLI: --secret / BW_REDIS_SECRET sign operator writes; without it a signed record is flagged and the write is called out', async () => {
    const { prefix, url, pa, pb, evil, key } = await fleet('auth-cli', NEW, NEW);
    await pa.execute(boom).catch(() => undefined);
    await waitFor(() => pb.state === 'open', 1000, 'B open');
    const unsigned = await runCliCaptured(['--url', url, '--prefix', prefix, 'reset', 'payments']);
    expect(unsigned.code).toBe(1);
    expect(unsigned.stderr).toMatch(/signed record.*--secret/);
    await sleep(100);
    expect(pa.state).toBe('open'); // an unsigned record is never adopted
    expect((await runCliCaptured(['--url', url, '--prefix', prefix, '--secret', NEW, 'list'])).stdout).toMatch(
      /payments\s+unauthenticated/,
    );
    // The env variable, and a forged record with a huge generation under it: reset recovers.
    await evil.hset(key, { state: 'isolated', gen: '9007199254740991', mac: 'b'.repeat(40) });
    let out = '';
    const io = { out: (s: string) => void (out += s), err: (s: string) => void (out += s) };
    expect(
      await runCli(['--url', url, '--prefix', prefix, 'reset', 'payments'], { BW_REDIS_SECRET: NEW }, io),
      out,
    ).toBe(0);
    await waitFor(() => pa.state === 'closed' && pb.state === 'closed', 1000, 'both closed after a signed reset');
    const admin = new FleetAdmin(evil, prefix, 'cli:test', { secret: [OLD, NEW] });
    expect((await admin.inspect('payments')).state).toBe('closed');
    await admin.isolate('payments');
    await waitFor(() => pa.state === 'isolated' && pb.state === 'isolated', 1000, 'isolated by a signed admin write');
    expect((await admin.release('payments')).changed).toBe(true);
    await waitFor(() => pa.state === 'closed' && pb.state === 'closed', 1000, 'released');
  });
});
