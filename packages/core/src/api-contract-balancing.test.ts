/**
 * API contract conformance: @breakwater/core "Load balancing" section and the balancer parts of
 * "Semantics fixed here" (health, panic, NoHealthyEndpointError reasons). Imports only from the
 * package root; time is a ManualClock, randomness a seeded generator.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  BrokenCircuitError, ConfigError, ManualClock, NoHealthyEndpointError, adaptive, circuitBreaker, consecutiveFailures, consistentHash,
  leastConnections, loadBalancer, memoryBreakerStore, p2cEwma, pipeline, retry, constantBackoff, roundRobin, router, weightedLeastConnections,
  weightedRoundRobin, type Endpoint, type LoadBalancer,
} from '@breakwater/core';

const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

/** Deterministic uniform [0, 1) (mulberry32). */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ep = (id: string, extra: Partial<Endpoint> = {}): Endpoint => ({ id, url: `http://${id}.test:8080`, ...extra });

function picks(lb: LoadBalancer, n: number, key?: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(lb.pick(key === undefined ? undefined : { key }).id);
  return out;
}

function counts(ids: string[]): Record<string, number> {
  const c: Record<string, number> = {};
  for (const id of ids) c[id] = (c[id] ?? 0) + 1;
  return c;
}

async function errorOf(f: () => unknown): Promise<unknown> {
  try {
    await f();
  } catch (e) {
    return e;
  }
  throw new Error('expected an error');
}

/** Fails every call to `id` until it is ejected by outlier detection. */
async function failOn(lb: LoadBalancer, id: string, times: number): Promise<void> {
  for (let i = 0; i < times; i++) {
    await lb.execute((e) => { if (e.id === id) throw new Error(`${id} down`); return e.id; }).catch(() => undefined);
  }
}

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
    const busy = lb.endpoints().filter((e) => e.inFlight > 0).map((e) => e.id);
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
    expect(max).toBeLessThanOrEqual(Math.ceil(1.25 * 16 / 4) + 1);
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
    for (let i = 0; i < 300; i++) await lb.execute((e) => { if (e.id === 'bad') throw new Error('x'); return 1; }).catch(() => undefined);
    const later = counts(picks(lb, 400));
    expect(later['good'] ?? 0).toBeGreaterThan(later['bad'] ?? 0);
    expect(() => adaptive({ temperature: 0.5 })).not.toThrow();
  });
});

describe('LoadBalancer basics', () => {
  it('execute passes the picked endpoint and an AttemptContext; asPolicy sets ctx.endpoint', async () => {
    const lb = loadBalancer({ endpoints: [ep('a')], strategy: roundRobin() });
    const r = await lb.execute((endpoint, ctx) => {
      expect(ctx.endpoint?.id).toBe('a');
      expect(ctx.attempt).toBe(0);
      return endpoint.url;
    }, { context: { k: 1 } });
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
    expect(view).toMatchObject({ id: 'a', url: 'http://a.test:8080', weight: 2, region: 'eu', zone: 'eu-1a', metadata: { rack: 1 }, healthy: true, ejected: false, inFlight: 0 });
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
    const running = lb.execute((e) => new Promise<string>((r) => { release = () => r(e.id); }));
    await flush();
    const busy = lb.endpoints().find((e) => e.inFlight === 1)!.id;
    lb.update([ep(busy), ep('c')]);
    expect(lb.endpoints().map((e) => e.id).sort()).toEqual([busy, 'c'].sort());
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

describe('NoHealthyEndpointError reasons', () => {
  it("'empty' when there are no endpoints (pick and execute)", async () => {
    const lb = loadBalancer({ endpoints: [] });
    const e = await errorOf(() => lb.pick());
    expect(e).toBeInstanceOf(NoHealthyEndpointError);
    expect((e as NoHealthyEndpointError).reason).toBe('empty');
    expect((e as NoHealthyEndpointError).code).toBe('BW_NO_ENDPOINT');
    const e2 = await errorOf(() => lb.execute(() => 1));
    expect((e2 as NoHealthyEndpointError).reason).toBe('empty');
  });

  it("'saturated' when every candidate is at maxConnections: calls fail fast, they do not queue", async () => {
    const lb = loadBalancer({ endpoints: [ep('a', { maxConnections: 1 }), ep('b', { maxConnections: 2 })] });
    const hold: Array<() => void> = [];
    const running = Array.from({ length: 3 }, () => lb.execute(() => new Promise<void>((r) => hold.push(r))));
    await flush();
    let called = false;
    const e = await errorOf(() => lb.execute(() => { called = true; }));
    expect(e).toBeInstanceOf(NoHealthyEndpointError);
    expect((e as NoHealthyEndpointError).reason).toBe('saturated');
    expect(called).toBe(false);
    expect((await errorOf(() => lb.pick())) as NoHealthyEndpointError).toMatchObject({ reason: 'saturated' });
    hold.forEach((h) => h());
    await Promise.all(running);
    await expect(lb.execute(() => 'ok')).resolves.toBe('ok');
  });

  it("'open' when every endpoint's breaker is open", async () => {
    const clock = new ManualClock();
    const lb = loadBalancer({ endpoints: [ep('a'), ep('b')], strategy: roundRobin(), breaker: { trip: consecutiveFailures(1) }, clock });
    for (let i = 0; i < 4; i++) await lb.execute(() => { throw new Error('down'); }).catch(() => undefined);
    await flush();
    const e = await errorOf(() => lb.execute(() => 1));
    expect(e).toBeInstanceOf(NoHealthyEndpointError);
    expect((e as NoHealthyEndpointError).reason).toBe('open');
    expect(((await errorOf(() => lb.pick())) as NoHealthyEndpointError).reason).toBe('open');
    await lb.close();
  });

  it("'draining' after drain(); drain waits for in-flight calls", async () => {
    const lb = loadBalancer({ endpoints: [ep('a')] });
    let release!: () => void;
    const running = lb.execute(() => new Promise<string>((r) => { release = () => r('finished'); }));
    await flush();
    let drained = false;
    const draining = lb.drain().then(() => { drained = true; });
    const e = await errorOf(() => lb.execute(() => 1));
    expect((e as NoHealthyEndpointError).reason).toBe('draining');
    expect(((await errorOf(() => lb.pick())) as NoHealthyEndpointError).reason).toBe('draining');
    await flush();
    expect(drained).toBe(false);
    release();
    await expect(running).resolves.toBe('finished');
    await draining;
    expect(drained).toBe(true);
  });

  it('drain({ timeoutMs }) resolves after the timeout even with calls in flight', async () => {
    const clock = new ManualClock();
    const lb = loadBalancer({ endpoints: [ep('a')], clock });
    void lb.execute(() => new Promise(() => {}));
    await flush();
    let drained = false;
    const d = lb.drain({ timeoutMs: 1_000 }).then(() => { drained = true; });
    clock.advance(999);
    await flush();
    expect(drained).toBe(false);
    clock.advance(1);
    await d;
    expect(drained).toBe(true);
    await lb.close();
  });
});

describe('per-endpoint breakers', () => {
  it('one breaker per endpoint named `${balancerName}/${endpoint.id}` (shares state by name through a store)', async () => {
    const store = memoryBreakerStore();
    const clock = new ManualClock();
    const lb = loadBalancer({ name: 'api', endpoints: [ep('a'), ep('b')], strategy: roundRobin(), breaker: { store, trip: consecutiveFailures(1) }, clock });
    const outside = circuitBreaker({ name: 'api/a', store, clock });
    outside.isolate();
    await flush();
    await flush();
    expect(new Set(picks(lb, 10))).toEqual(new Set(['b']));
    // And the other way: the balancer's breaker for b trips, a breaker named api/b sees it.
    const watcher = circuitBreaker({ name: 'api/b', store, clock });
    await lb.execute(() => { throw new Error('b down'); }).catch(() => undefined);
    await flush();
    expect(watcher.state).toBe('open');
    await lb.close();
    await store.close();
  });

  it('an open endpoint breaker takes the endpoint out of picks; others keep serving', async () => {
    const clock = new ManualClock();
    const lb = loadBalancer({ endpoints: [ep('a'), ep('b')], strategy: roundRobin(), breaker: { trip: consecutiveFailures(2), halfOpenAfterMs: 1_000 }, clock });
    await failOn(lb, 'a', 4);
    await flush();
    const served = await Promise.all(Array.from({ length: 6 }, () => lb.execute((e) => e.id)));
    expect(new Set(served)).toEqual(new Set(['b']));
    clock.advance(1_000);
    await flush();
    const after = [];
    for (let i = 0; i < 4; i++) after.push(await lb.execute((e) => e.id));
    expect(after).toContain('a');
    await lb.close();
  });

  it('a BrokenCircuitError from an endpoint breaker is never what the caller sees while another endpoint is available', async () => {
    const clock = new ManualClock();
    const lb = loadBalancer({ endpoints: [ep('a'), ep('b')], strategy: roundRobin(), breaker: { trip: consecutiveFailures(1) }, clock });
    await failOn(lb, 'a', 2);
    for (let i = 0; i < 5; i++) {
      const r = await lb.execute((e) => e.id).catch((e: unknown) => e);
      expect(r).not.toBeInstanceOf(BrokenCircuitError);
    }
    await lb.close();
  });
});

describe('backup endpoints', () => {
  it('get traffic only when no primary is healthy', async () => {
    const clock = new ManualClock();
    const lb = loadBalancer({
      endpoints: [ep('p1'), ep('p2'), ep('backup', { backup: true })], strategy: roundRobin(), clock,
      outlierDetection: { consecutiveFailures: 1, maxEjectionPercent: 100 },
    });
    expect(new Set(picks(lb, 20))).toEqual(new Set(['p1', 'p2']));
    await failOn(lb, 'p1', 3);
    await flush();
    expect(new Set(picks(lb, 20))).toEqual(new Set(['p2']));
    await failOn(lb, 'p2', 3);
    await flush();
    expect(lb.endpoints().filter((e) => e.ejected).map((e) => e.id).sort()).toEqual(['p1', 'p2']);
    expect(new Set(picks(lb, 20))).toEqual(new Set(['backup']));
    await lb.close();
  });
});

describe('panic mode', () => {
  it('below panicThreshold (default 0.5) of healthy endpoints, picks ignore health', async () => {
    const clock = new ManualClock();
    let healthy = new Set(['a', 'b', 'c', 'd']);
    const lb = loadBalancer({
      endpoints: [ep('a'), ep('b'), ep('c'), ep('d')], strategy: roundRobin(), clock,
      healthCheck: { intervalMs: 1_000, unhealthyThreshold: 1, healthyThreshold: 1, jitterMs: 0, check: async (e) => healthy.has(e.id) },
    });
    healthy = new Set(['a', 'b']); // exactly 50%: not below the threshold
    clock.advance(1_000);
    await flush();
    clock.advance(1_000);
    await flush();
    expect(lb.endpoints().filter((e) => e.healthy).map((e) => e.id)).toEqual(['a', 'b']);
    expect(new Set(picks(lb, 20))).toEqual(new Set(['a', 'b']));
    healthy = new Set(['a']); // 25% < 50%: panic
    clock.advance(1_000);
    await flush();
    clock.advance(1_000);
    await flush();
    expect(lb.endpoints().filter((e) => e.healthy).map((e) => e.id)).toEqual(['a']);
    expect(new Set(picks(lb, 20))).toEqual(new Set(['a', 'b', 'c', 'd']));
    await lb.close();
  });

  it('panic never picks an endpoint whose breaker is open', async () => {
    const clock = new ManualClock();
    const lb = loadBalancer({
      endpoints: [ep('a'), ep('b'), ep('c'), ep('d')], strategy: roundRobin(), clock,
      outlierDetection: { consecutiveFailures: 1, maxEjectionPercent: 100 },
      breaker: { trip: consecutiveFailures(1) },
    });
    // a: ejected (outlier) and breaker open; b, c: ejected; d healthy → 25% healthy → panic.
    await failOn(lb, 'a', 4);
    await failOn(lb, 'b', 4);
    await failOn(lb, 'c', 4);
    await flush();
    const ejected = lb.endpoints().filter((e) => e.ejected).map((e) => e.id);
    expect(ejected.length).toBeGreaterThanOrEqual(3);
    const picked = new Set(picks(lb, 40));
    expect(picked.has('a')).toBe(false);
    expect(picked.has('b')).toBe(false);
    expect(picked.has('c')).toBe(false);
    await lb.close();
  });

  it('panic applies with ejections too, except for open breakers (ejected but breaker closed are picked)', async () => {
    const clock = new ManualClock();
    const lb = loadBalancer({
      endpoints: [ep('a'), ep('b'), ep('c'), ep('d')], strategy: roundRobin(), clock,
      outlierDetection: { consecutiveFailures: 1, maxEjectionPercent: 100 },
    });
    await failOn(lb, 'a', 4);
    await failOn(lb, 'b', 4);
    await failOn(lb, 'c', 4);
    await flush();
    expect(lb.endpoints().filter((e) => e.ejected).length).toBe(3);
    expect(new Set(picks(lb, 40))).toEqual(new Set(['a', 'b', 'c', 'd']));
    await lb.close();
  });

  it('panicThreshold 0 disables panic mode', async () => {
    const clock = new ManualClock();
    const lb = loadBalancer({
      endpoints: [ep('a'), ep('b'), ep('c'), ep('d')], strategy: roundRobin(), clock, locality: { panicThreshold: 0 },
      outlierDetection: { consecutiveFailures: 1, maxEjectionPercent: 100 },
    });
    await failOn(lb, 'a', 4);
    await failOn(lb, 'b', 4);
    await failOn(lb, 'c', 4);
    await flush();
    expect(new Set(picks(lb, 20))).toEqual(new Set(['d']));
    await lb.close();
  });
});

describe('outlierDetection', () => {
  it('defaults: 5 consecutive failures eject for 30 s; the ejection event says so', async () => {
    const clock = new ManualClock();
    const lb = loadBalancer({ endpoints: [ep('a'), ep('b'), ep('c'), ep('d')], strategy: roundRobin(), clock, outlierDetection: {} });
    const events: Array<Record<string, unknown>> = [];
    lb.on('ejection', (e) => events.push(e));
    // Round robin: one call in four reaches 'a'.
    await failOn(lb, 'a', 4 * 4);
    expect(lb.endpoints().find((e) => e.id === 'a')!.ejected).toBe(false);
    await failOn(lb, 'a', 4);
    await flush();
    expect(lb.endpoints().find((e) => e.id === 'a')!.ejected).toBe(true);
    expect(events[0]).toMatchObject({ endpoint: 'a', ejected: true });
    expect(new Set(picks(lb, 12)).has('a')).toBe(false);
    clock.advance(29_999);
    await flush();
    expect(lb.endpoints().find((e) => e.id === 'a')!.ejected).toBe(true);
    clock.advance(1);
    await flush();
    expect(lb.endpoints().find((e) => e.id === 'a')!.ejected).toBe(false);
    expect(new Set(picks(lb, 12)).has('a')).toBe(true);
    await lb.close();
  });

  it('maxEjectionPercent defaults to 50: at most half the endpoints ejected at once', async () => {
    const clock = new ManualClock();
    const lb = loadBalancer({ endpoints: [ep('a'), ep('b'), ep('c'), ep('d')], strategy: roundRobin(), clock, outlierDetection: { consecutiveFailures: 1 } });
    for (const id of ['a', 'b', 'c']) await failOn(lb, id, 8);
    await flush();
    expect(lb.endpoints().filter((e) => e.ejected)).toHaveLength(2);
    await lb.close();
  });

  it('baseEjectionMs option', async () => {
    const clock = new ManualClock();
    const lb = loadBalancer({ endpoints: [ep('a'), ep('b')], strategy: roundRobin(), clock, outlierDetection: { consecutiveFailures: 1, baseEjectionMs: 1_000 } });
    await failOn(lb, 'a', 2);
    expect(lb.endpoints().find((e) => e.id === 'a')!.ejected).toBe(true);
    clock.advance(1_000);
    await flush();
    expect(lb.endpoints().find((e) => e.id === 'a')!.ejected).toBe(false);
    await lb.close();
  });
});

describe('healthCheck', () => {
  it("default check: HTTP GET url + '/health', 2xx = healthy; thresholds apply", async () => {
    const paths: string[] = [];
    let status = 200;
    const server = createServer((req, res) => {
      paths.push(req.url ?? '');
      res.statusCode = status;
      res.end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const clock = new ManualClock();
    const lb = loadBalancer({
      endpoints: [{ id: 'real', url }], strategy: roundRobin(), clock,
      // A check timeout far beyond what the loop below advances: only the 503s make it unhealthy.
      healthCheck: { intervalMs: 1_000, timeoutMs: 1e9, unhealthyThreshold: 2, healthyThreshold: 1, jitterMs: 0 },
    });
    const healthEvents: Array<Record<string, unknown>> = [];
    lb.on('health', (e) => healthEvents.push(e));
    // Real HTTP under a manual clock: advance in steps and give the socket real time between them.
    const until = async (cond: () => boolean): Promise<void> => {
      for (let i = 0; i < 500 && !cond(); i++) {
        clock.advance(1_000);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    try {
      await until(() => paths.length >= 1);
      expect(paths[0]).toBe('/health');
      expect(lb.endpoints()[0]!.healthy).toBe(true);
      status = 503;
      await until(() => healthEvents.length > 0);
      expect(healthEvents[0]).toMatchObject({ endpoint: 'real', healthy: false });
      expect(lb.endpoints()[0]!.healthy).toBe(false);
      expect(paths.every((p) => p === '/health')).toBe(true);
    } finally {
      await lb.close();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it("path option, custom check(endpoint, signal)", async () => {
    const clock = new ManualClock();
    const checked: Array<[string, boolean]> = [];
    const lb = loadBalancer({
      endpoints: [ep('a'), ep('b')], strategy: roundRobin(), clock,
      healthCheck: { intervalMs: 100, unhealthyThreshold: 1, healthyThreshold: 1, jitterMs: 0, check: async (e, signal) => { checked.push([e.id, signal instanceof AbortSignal]); return e.id === 'a'; } },
    });
    clock.advance(0);
    await flush();
    clock.advance(100);
    await flush();
    expect(checked.length).toBeGreaterThanOrEqual(2);
    expect(checked.every(([, s]) => s)).toBe(true);
    expect(lb.endpoints().map((e) => [e.id, e.healthy])).toEqual([['a', true], ['b', false]]);
    expect(new Set(picks(lb, 10))).toEqual(new Set(['a']));
    await lb.close();
    expect(clock.pendingTimers()).toBe(0);
  });
});

describe('locality', () => {
  const regional = (): Endpoint[] => [
    ep('eu1', { region: 'eu' }), ep('eu2', { region: 'eu' }), ep('eu3', { region: 'eu' }), ep('eu4', { region: 'eu' }),
    ep('us1', { region: 'us' }), ep('us2', { region: 'us' }),
  ];

  async function withUnhealthy(ids: string[], locality: Parameters<typeof loadBalancer>[0]['locality']) {
    const clock = new ManualClock();
    const down = new Set(ids);
    const lb = loadBalancer({
      endpoints: regional(), strategy: roundRobin(), clock, random: seeded(3), locality,
      healthCheck: { intervalMs: 1_000, unhealthyThreshold: 1, healthyThreshold: 1, jitterMs: 0, check: async (e) => !down.has(e.id) },
    });
    clock.advance(0);
    await flush();
    clock.advance(1_000);
    await flush();
    return lb;
  }

  it('all traffic stays local while healthy share × 1.4 ≥ 1 (default overprovisioningFactor)', async () => {
    const lb = await withUnhealthy(['eu1'], { local: 'eu', order: ['eu', 'us'] }); // 75% × 1.4 = 1.05
    const c = counts(picks(lb, 300));
    expect(c['us1'] ?? 0).toBe(0);
    expect(c['us2'] ?? 0).toBe(0);
    expect(lb.currentRegion).toBe('eu');
    await lb.close();
  });

  it('below that the shortfall spills to the next region in order', async () => {
    const lb = await withUnhealthy(['eu1', 'eu2'], { local: 'eu', order: ['eu', 'us'] }); // 50% × 1.4 = 70% local
    const c = counts(picks(lb, 2_000));
    const us = (c['us1'] ?? 0) + (c['us2'] ?? 0);
    expect(us / 2_000).toBeGreaterThan(0.22);
    expect(us / 2_000).toBeLessThan(0.38);
    expect(lb.currentRegion).toBe('eu');
    await lb.close();
  });

  it('the first of `order` is the local region when `local` is not given', async () => {
    const lb = await withUnhealthy([], { order: ['us', 'eu'] });
    expect(new Set(picks(lb, 50))).toEqual(new Set(['us1', 'us2']));
    expect(lb.currentRegion).toBe('us');
    await lb.close();
  });

  it('overprovisioningFactor option', async () => {
    const lb = await withUnhealthy(['eu1', 'eu2'], { local: 'eu', order: ['eu', 'us'], overprovisioningFactor: 2 }); // 50% × 2 = 1
    const c = counts(picks(lb, 300));
    expect((c['us1'] ?? 0) + (c['us2'] ?? 0)).toBe(0);
    await lb.close();
  });

  it('a whole-region outage moves traffic and currentRegion, with a regionChange event', async () => {
    const clock = new ManualClock();
    let down = new Set<string>();
    const lb = loadBalancer({
      endpoints: regional(), strategy: roundRobin(), clock, random: seeded(3), locality: { local: 'eu', order: ['eu', 'us'], panicThreshold: 0 },
      healthCheck: { intervalMs: 1_000, unhealthyThreshold: 1, healthyThreshold: 1, jitterMs: 0, check: async (e) => !down.has(e.id) },
    });
    const changes: Array<Record<string, unknown>> = [];
    const off = lb.on('regionChange', (e) => changes.push(e));
    expect(lb.currentRegion).toBe('eu');
    down = new Set(['eu1', 'eu2', 'eu3', 'eu4']);
    clock.advance(0);
    await flush();
    clock.advance(1_000);
    await flush();
    expect(lb.currentRegion).toBe('us');
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ from: 'eu', to: 'us' });
    off();
    await lb.close();
  });

  it('regionChange when the local region fails (panic disabled)', async () => {
    const lb = await withUnhealthy(['eu1', 'eu2', 'eu3', 'eu4'], { local: 'eu', order: ['eu', 'us'], panicThreshold: 0 });
    expect(new Set(picks(lb, 50))).toEqual(new Set(['us1', 'us2']));
    expect(lb.currentRegion).toBe('us');
    await lb.close();
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
    const lb = loadBalancer({ endpoints: [ep('a')], clock, healthCheck: { intervalMs: 100, check: async () => { checks++; return true; } }, outlierDetection: {} });
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
