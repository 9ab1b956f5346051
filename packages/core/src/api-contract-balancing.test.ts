/**
 * API contract conformance: @breakwater/core "Load balancing" — strategies and the LoadBalancer
 * surface. Imports only from the package root; time is a ManualClock, randomness seeded.
 */
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  ManualClock,
  adaptive,
  consistentHash,
  leastConnections,
  loadBalancer,
  p2cEwma,
  pipeline,
  retry,
  constantBackoff,
  roundRobin,
  router,
  weightedLeastConnections,
  weightedRoundRobin,
  type Endpoint,
} from '@breakwater/core';
import { flush, seeded, ep, picks, counts, failOn } from './test-support/contract.js';

describe('strategies', () => {
  it('weightedRoundRobin: smooth interleaving, weights 5,1,1 → a a b a c a a', () => {
    const lb = loadBalancer({ endpoints: [ep('a', { weight: 5 }), ep('b', { weight: 1 }), ep('c', { weight: 1 })], strategy: weightedRoundRobin() });
    expect(picks(lb, 7).join(' ')).toBe('a a b a c a a');
    expect(picks(lb, 7).join(' ')).toBe('a a b a c a a');
  });

  it('weight defaults to 1', () => {
    const lb = loadBalancer({ endpoints: [ep('a'), ep('b', { weight: 1 }), ep('c')], strategy: weightedRoundRobin() });
    expect(counts(picks(lb, 30))).toEqual({ a: 10, b: 10, c: 10 });
  });

  it('roundRobin: each endpoint in turn', () => {
    const lb = loadBalancer({ endpoints: [ep('a'), ep('b'), ep('c')], strategy: roundRobin() });
    expect(picks(lb, 6)).toEqual(['a', 'b', 'c', 'a', 'b', 'c']);
  });

  it('leastConnections: the endpoint with fewest in flight; ties broken round-robin', async () => {
    const lb = loadBalancer({ endpoints: [ep('a'), ep('b'), ep('c')], strategy: leastConnections() });
    expect(picks(lb, 6).join('')).toMatch(/^(abc|bca|cab)+$/);
    const hold: Array<() => void> = [];
    const running = [
      lb.execute((e) => new Promise<string>((r) => hold.push(() => r(e.id)))),
      lb.execute((e) => new Promise<string>((r) => hold.push(() => r(e.id)))),
    ];
    await flush();
    const busy = lb
      .endpoints()
      .filter((e) => e.inFlight > 0)
      .map((e) => e.id);
    expect(busy).toHaveLength(2);
    const idle = ['a', 'b', 'c'].find((id) => !busy.includes(id));
    expect(picks(lb, 3)).toEqual([idle, idle, idle]);
    hold.forEach((h) => h());
    await Promise.all(running);
  });

  it('weightedLeastConnections: in-flight / weight', async () => {
    const lb = loadBalancer({ endpoints: [ep('a', { weight: 3 }), ep('b', { weight: 1 })], strategy: weightedLeastConnections() });
    const hold: Array<() => void> = [];
    const running: Array<Promise<string>> = [];
    for (let i = 0; i < 4; i++) running.push(lb.execute((e) => new Promise<string>((r) => hold.push(() => r(e.id)))));
    await flush();
    const inFlight = Object.fromEntries(lb.endpoints().map((e) => [e.id, e.inFlight]));
    expect(inFlight).toEqual({ a: 3, b: 1 });
    hold.forEach((h) => h());
    await Promise.all(running);
  });

  it.each(['ring', 'maglev'] as const)('consistentHash (%s): the same ExecuteOptions.key goes to the same endpoint', async (algorithm) => {
    const lb = loadBalancer({ endpoints: [ep('a'), ep('b'), ep('c'), ep('d')], strategy: consistentHash({ algorithm }) });
    const targets = new Set<string>();
    for (const key of ['u1', 'u2', 'u3', 'u4', 'u5', 'u6', 'u7', 'u8']) {
      const first = lb.pick({ key }).id;
      expect(new Set(picks(lb, 20, key))).toEqual(new Set([first]));
      const viaExecute = await lb.execute((e) => e.id, { key });
      expect(viaExecute).toBe(first);
      targets.add(first);
    }
    expect(targets.size).toBeGreaterThan(1);
  });

  it('consistentHash: removing an endpoint only moves its own keys', () => {
    const keys = Array.from({ length: 200 }, (_, i) => `user-${i}`);
    const lb = loadBalancer({ endpoints: [ep('a'), ep('b'), ep('c'), ep('d')], strategy: consistentHash() });
    const before = new Map(keys.map((k) => [k, lb.pick({ key: k }).id]));
    lb.update([ep('a'), ep('b'), ep('c')]);
    for (const k of keys) if (before.get(k) !== 'd') expect(lb.pick({ key: k }).id).toBe(before.get(k));
  });

  it('consistentHash boundedLoad: no endpoint over ceil(c × average) in flight', async () => {
    const lb = loadBalancer({ endpoints: [ep('a'), ep('b'), ep('c'), ep('d')], strategy: consistentHash({ boundedLoad: 1.25 }) });
    const hold: Array<() => void> = [];
    const running: Array<Promise<unknown>> = [];
    for (let i = 0; i < 16; i++) running.push(lb.execute(() => new Promise<void>((r) => hold.push(r)), { key: 'hot-key' }));
    await flush();
    const max = Math.max(...lb.endpoints().map((e) => e.inFlight));
    expect(max).toBeLessThanOrEqual(Math.ceil((1.25 * 16) / 4) + 1);
    hold.forEach((h) => h());
    await Promise.all(running);
  });

  it('p2cEwma is the default strategy and prefers the faster endpoint', async () => {
    const clock = new ManualClock();
    const lb = loadBalancer({ endpoints: [ep('fast'), ep('slow')], clock, random: seeded(1) });
    const latency: Record<string, number> = { fast: 5, slow: 500 };
    const used: string[] = [];
    for (let i = 0; i < 200; i++) {
      const p = lb.execute((e) => new Promise<string>((r) => clock.setTimeout(() => r(e.id), latency[e.id]!)));
      // Settle at the endpoint's latency (a promise settles after advance() returns).
      clock.advance(5);
      await flush();
      clock.advance(495);
      used.push(await p);
    }
    const c = counts(used.slice(100));
    expect(c['fast'] ?? 0).toBeGreaterThan(c['slow'] ?? 0);
  });

  it('p2cEwma decayMs defaults to 10_000: an idle estimate decays by e after 10 s', async () => {
    const clock = new ManualClock();
    const lb = loadBalancer({ endpoints: [ep('a')], strategy: p2cEwma(), clock });
    const p = lb.execute(() => new Promise((r) => clock.setTimeout(() => r(1), 100)));
    clock.advance(100);
    await p;
    expect(lb.endpoints()[0]!.ewmaMs).toBeCloseTo(100, 0);
    clock.advance(10_000);
    expect(lb.endpoints()[0]!.ewmaMs).toBeCloseTo(100 / Math.E, 0);
  });

  it('p2cEwma decayMs option', async () => {
    const clock = new ManualClock();
    const lb = loadBalancer({ endpoints: [ep('a')], strategy: p2cEwma({ decayMs: 1_000 }), clock });
    const p = lb.execute(() => new Promise((r) => clock.setTimeout(() => r(1), 100)));
    clock.advance(100);
    await p;
    clock.advance(1_000);
    expect(lb.endpoints()[0]!.ewmaMs).toBeCloseTo(100 / Math.E, 0);
  });

  it('adaptive: softmax over learned scores moves traffic away from a failing endpoint', async () => {
    const lb = loadBalancer({ endpoints: [ep('good'), ep('bad')], strategy: adaptive({ learningRate: 0.3 }), random: seeded(7) });
    for (let i = 0; i < 300; i++)
      await lb
        .execute((e) => {
          if (e.id === 'bad') throw new Error('x');
          return 1;
        })
        .catch(() => undefined);
    const later = counts(picks(lb, 400));
    expect(later['good'] ?? 0).toBeGreaterThan(later['bad'] ?? 0);
    expect(() => adaptive({ temperature: 0.5 })).not.toThrow();
  });
});

describe('LoadBalancer basics', () => {
  it('execute passes the picked endpoint and an AttemptContext; asPolicy sets ctx.endpoint', async () => {
    const lb = loadBalancer({ endpoints: [ep('a')], strategy: roundRobin() });
    const r = await lb.execute(
      (endpoint, ctx) => {
        expect(ctx.endpoint?.id).toBe('a');
        expect(ctx.attempt).toBe(0);
        return endpoint.url;
      },
      { context: { k: 1 } },
    );
    expect(r).toBe('http://a.test:8080');
    const seen: Array<string | undefined> = [];
    await pipeline(retry({ maxAttempts: 2, backoff: constantBackoff(0) }), lb.asPolicy()).execute((ctx) => {
      seen.push(ctx.endpoint?.id);
      if (seen.length === 1) throw new Error('retry me');
      return 1;
    });
    expect(seen).toEqual(['a', 'a']);
  });

  it('endpoints(): the endpoint fields plus healthy, ejected, inFlight, ewmaMs', async () => {
    const lb = loadBalancer({ endpoints: [ep('a', { weight: 2, region: 'eu', zone: 'eu-1a', metadata: { rack: 1 } })] });
    const [view] = lb.endpoints();
    expect(view).toMatchObject({
      id: 'a',
      url: 'http://a.test:8080',
      weight: 2,
      region: 'eu',
      zone: 'eu-1a',
      metadata: { rack: 1 },
      healthy: true,
      ejected: false,
      inFlight: 0,
    });
    expect(typeof view!.ewmaMs).toBe('number');
  });

  it('endpoints count as healthy until a check or outlier detection says otherwise', () => {
    const lb = loadBalancer({ endpoints: [ep('a'), ep('b')], healthCheck: { check: async () => false }, clock: new ManualClock() });
    expect(lb.endpoints().every((e) => e.healthy)).toBe(true);
    void lb.close();
  });

  it('update() keeps the state of unchanged ids', async () => {
    const lb = loadBalancer({ endpoints: [ep('a'), ep('b')], strategy: roundRobin() });
    let release!: () => void;
    const running = lb.execute(
      (e) =>
        new Promise<string>((r) => {
          release = () => r(e.id);
        }),
    );
    await flush();
    const busy = lb.endpoints().find((e) => e.inFlight === 1)!.id;
    lb.update([ep(busy), ep('c')]);
    expect(
      lb
        .endpoints()
        .map((e) => e.id)
        .sort(),
    ).toEqual([busy, 'c'].sort());
    expect(lb.endpoints().find((e) => e.id === busy)!.inFlight).toBe(1);
    release();
    await running;
    expect(lb.endpoints().find((e) => e.id === busy)!.inFlight).toBe(0);
  });

  it('maxConnections is honoured: a saturated endpoint is skipped', async () => {
    const lb = loadBalancer({ endpoints: [ep('a', { maxConnections: 1 }), ep('b', { maxConnections: 1 })], strategy: roundRobin() });
    const hold: Array<() => void> = [];
    const running = [
      lb.execute((e) => new Promise<string>((r) => hold.push(() => r(e.id)))),
      lb.execute((e) => new Promise<string>((r) => hold.push(() => r(e.id)))),
    ];
    await flush();
    expect(lb.endpoints().map((e) => e.inFlight)).toEqual([1, 1]);
    hold.forEach((h) => h());
    expect((await Promise.all(running)).sort()).toEqual(['a', 'b']);
  });

  it('on returns an unsubscribe function', async () => {
    const lb = loadBalancer({ endpoints: [ep('a'), ep('b')], strategy: roundRobin(), outlierDetection: { consecutiveFailures: 1 }, clock: new ManualClock() });
    const events: unknown[] = [];
    const off = lb.on('ejection', (e) => events.push(e));
    expect(typeof off).toBe('function');
    off();
    await failOn(lb, 'a', 2);
    expect(events).toEqual([]);
    expect(typeof lb.on('health', () => {})).toBe('function');
    expect(typeof lb.on('regionChange', () => {})).toBe('function');
    await lb.close();
  });

  it('validates options with ConfigError', () => {
    expect(() => loadBalancer({ endpoints: [{ id: 'a' } as Endpoint] })).toThrow(ConfigError);
    expect(() => loadBalancer({ endpoints: [ep('a'), ep('a')] })).toThrow(ConfigError);
    expect(() => loadBalancer({ endpoints: 'x' as never })).toThrow(ConfigError);
  });
});

describe('router', () => {
  it('L7 routing by pathPrefix, method and header (string or RegExp), else default', () => {
    const orders = loadBalancer({ name: 'orders', endpoints: [ep('o')] });
    const writes = loadBalancer({ name: 'writes', endpoints: [ep('w')] });
    const canary = loadBalancer({ name: 'canary', endpoints: [ep('c')] });
    const beta = loadBalancer({ name: 'beta', endpoints: [ep('b')] });
    const fallbackLb = loadBalancer({ name: 'default', endpoints: [ep('d')] });
    const r = router({
      routes: [
        { match: { header: { 'x-canary': 'true' } }, to: canary },
        { match: { header: { 'user-agent': /beta/ } }, to: beta },
        { match: { pathPrefix: '/orders', method: 'POST' }, to: writes },
        { match: { pathPrefix: '/orders' }, to: orders },
      ],
      default: fallbackLb,
    });
    expect(r.resolve({ path: '/orders/1', method: 'POST' })).toBe(writes);
    expect(r.resolve({ path: '/orders/1', method: 'GET' })).toBe(orders);
    expect(r.resolve({ path: '/orders/1' })).toBe(orders);
    expect(r.resolve({ path: '/users', headers: { 'x-canary': 'true' } })).toBe(canary);
    expect(r.resolve({ path: '/users', headers: { 'user-agent': 'app-beta-2' } })).toBe(beta);
    expect(r.resolve({ path: '/users' })).toBe(fallbackLb);
  });
});

describe('close()', () => {
  it('stops health checks and timers', async () => {
    const clock = new ManualClock();
    let checks = 0;
    const lb = loadBalancer({
      endpoints: [ep('a')],
      clock,
      healthCheck: {
        intervalMs: 100,
        check: async () => {
          checks++;
          return true;
        },
      },
      outlierDetection: {},
    });
    clock.advance(1_000);
    await flush();
    await lb.close();
    const before = checks;
    clock.advance(10_000);
    await flush();
    expect(checks).toBe(before);
    expect(clock.pendingTimers()).toBe(0);
  });
});
