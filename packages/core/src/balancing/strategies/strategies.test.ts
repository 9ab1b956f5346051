import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../clock.js';
import { loadBalancer } from '../load-balancer.js';
import { seededRandom } from '../random.js';
import type { Endpoint, LoadBalancer, Strategy } from '../types.js';
import { adaptive } from './adaptive.js';
import { consistentHash } from './consistent-hash.js';
import { leastConnections, weightedLeastConnections } from './least-connections.js';
import { p2cEwma } from './p2c-ewma.js';
import { roundRobin } from './round-robin.js';
import { weightedRoundRobin } from './weighted-round-robin.js';

const eps = (ids: string[], extra: Partial<Endpoint> = {}): Endpoint[] =>
  ids.map((id) => ({ id, url: `http://${id}`, ...extra }));
const picks = (lb: LoadBalancer, n: number, key?: string): string[] =>
  Array.from({ length: n }, () => lb.pick(key === undefined ? undefined : { key }).id);

/** Starts `n` calls on `lb` that stay in flight until the returned release() is called. */
function hold(lb: LoadBalancer, n: number): { ids: string[]; release: () => Promise<void> } {
  const ids: string[] = [];
  const gates: Array<() => void> = [];
  const done: Promise<unknown>[] = [];
  for (let i = 0; i < n; i++) {
    done.push(
      lb.execute((ep) => {
        ids.push(ep.id);
        return new Promise<void>((r) => gates.push(r));
      }),
    );
  }
  return {
    ids,
    release: async () => {
      gates.forEach((g) => g());
      await Promise.all(done);
    },
  };
}

describe('roundRobin', () => {
  it('cycles in order', () => {
    const lb = loadBalancer({ endpoints: eps(['a', 'b', 'c']), strategy: roundRobin() });
    expect(picks(lb, 7)).toEqual(['a', 'b', 'c', 'a', 'b', 'c', 'a']);
  });
  it('skips a saturated endpoint', async () => {
    const lb = loadBalancer({
      endpoints: [...eps(['a']), { id: 'b', url: 'http://b', maxConnections: 1 }, ...eps(['c'])],
      strategy: roundRobin(),
    });
    const h = hold(lb, 2); // a, b (b now full)
    expect(h.ids).toEqual(['a', 'b']);
    expect(picks(lb, 4)).toEqual(['c', 'a', 'c', 'a']);
    await h.release();
  });
});

describe('weightedRoundRobin (nginx smooth)', () => {
  it('weights 5,1,1 give a a b a c a a', () => {
    const lb = loadBalancer({
      endpoints: [
        { id: 'a', url: 'http://x.test', weight: 5 },
        { id: 'b', url: 'http://x.test' },
        { id: 'c', url: 'http://x.test' },
      ],
      strategy: weightedRoundRobin(),
    });
    expect(picks(lb, 14)).toEqual('aabacaaaabacaa'.split(''));
  });
  it('matches the O(n) nginx reference for random weights', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 12 }), (weights) => {
        const endpoints = weights.map((w, i) => ({ id: `e${i}`, url: 'http://x.test', weight: w }));
        const lb = loadBalancer({ endpoints, strategy: weightedRoundRobin() });
        const current = weights.map(() => 0);
        const total = weights.reduce((a, b) => a + b, 0);
        for (let step = 0; step < total * 2 + 3; step++) {
          let best = -1;
          for (let i = 0; i < weights.length; i++) {
            current[i] += weights[i]!;
            if (best < 0 || current[i]! > current[best]!) best = i;
          }
          current[best] -= total;
          expect(lb.pick().id).toBe(`e${best}`);
        }
      }),
      { numRuns: 60 },
    );
  });
});

describe('leastConnections', () => {
  it('breaks ties round-robin and prefers the least loaded', async () => {
    const lb = loadBalancer({ endpoints: eps(['a', 'b', 'c']), strategy: leastConnections() });
    expect(picks(lb, 4)).toEqual(['a', 'b', 'c', 'a']);
    const h = hold(lb, 2); // b and c busy (round-robin continues at b)
    expect(h.ids).toEqual(['b', 'c']);
    expect(picks(lb, 3)).toEqual(['a', 'a', 'a']);
    await h.release();
    expect(picks(lb, 3)).toEqual(['b', 'c', 'a']);
  });
  it('weighted: in-flight per weight', async () => {
    const lb = loadBalancer({
      endpoints: [
        { id: 'a', url: 'http://x.test', weight: 3 },
        { id: 'b', url: 'http://x.test', weight: 1 },
      ],
      strategy: weightedLeastConnections(),
    });
    const h = hold(lb, 8);
    expect(h.ids.filter((id) => id === 'a')).toHaveLength(6);
    await h.release();
  });
});

describe('p2cEwma', () => {
  it('routes away from a slow endpoint', async () => {
    const clock = new ManualClock();
    const lb = loadBalancer({
      endpoints: eps(['fast1', 'fast2', 'slow']),
      strategy: p2cEwma(),
      clock,
      random: seededRandom(1),
    });
    const count: Record<string, number> = { fast1: 0, fast2: 0, slow: 0 };
    for (let i = 0; i < 600; i++) {
      await lb.execute((ep) => {
        count[ep.id]!++;
        clock.advance(ep.id === 'slow' ? 100 : 10);
      });
    }
    expect(count.slow! / 600).toBeLessThan(0.1);
  });
  it('penalises fast failures instead of rewarding them', async () => {
    const clock = new ManualClock();
    const lb = loadBalancer({
      endpoints: eps(['ok1', 'ok2', 'bad']),
      strategy: p2cEwma(),
      clock,
      random: seededRandom(7),
    });
    const count: Record<string, number> = { ok1: 0, ok2: 0, bad: 0 };
    for (let i = 0; i < 600; i++) {
      await lb
        .execute((ep) => {
          count[ep.id]!++;
          if (ep.id === 'bad') {
            clock.advance(1);
            throw new Error('503');
          }
          clock.advance(10);
        })
        .catch(() => undefined);
    }
    expect(count.bad! / 600).toBeLessThan(0.1);
  });
  it('validates options', () => {
    expect(() => p2cEwma({ decayMs: -1 })).toThrow(/p2cEwma.decayMs: expected a finite number ≥ 1, got -1/);
  });
});

describe('adaptive', () => {
  it('learns to favour the fast, successful endpoint (seeded)', async () => {
    const clock = new ManualClock();
    const lb = loadBalancer({
      endpoints: eps(['a', 'b', 'c']),
      strategy: adaptive({ learningRate: 0.2, temperature: 0.1 }),
      clock,
      random: seededRandom(3),
    });
    const count: Record<string, number> = { a: 0, b: 0, c: 0 };
    for (let i = 0; i < 1000; i++) {
      await lb
        .execute((ep) => {
          if (i >= 500) count[ep.id]!++;
          clock.advance(ep.id === 'a' ? 5 : 50);
          if (ep.id === 'c') throw new Error('boom');
        })
        .catch(() => undefined);
    }
    expect(count.a! / 500).toBeGreaterThan(0.8);
    expect(count.c! / 500).toBeLessThan(0.05);
  });
  it('stays finite with a tiny temperature', () => {
    const lb = loadBalancer({
      endpoints: eps(['a', 'b']),
      strategy: adaptive({ temperature: 0.0001 }),
      random: seededRandom(1),
    });
    expect(['a', 'b']).toContain(lb.pick().id);
  });
});

describe.each(['ring', 'maglev'] as const)('consistentHash %s', (algorithm) => {
  const keys = Array.from({ length: 20_000 }, (_, i) => `user-${i}`);
  it('is sticky and remaps about 1/11 of keys when a 11th endpoint joins', () => {
    const ids = Array.from({ length: 10 }, (_, i) => `s${i}`);
    const lb = loadBalancer({ endpoints: eps(ids), strategy: consistentHash({ algorithm }) });
    const before = keys.map((k) => lb.pick({ key: k }).id);
    expect(keys.slice(0, 100).map((k) => lb.pick({ key: k }).id)).toEqual(before.slice(0, 100));
    lb.update(eps([...ids, 's10']));
    const after = keys.map((k) => lb.pick({ key: k }).id);
    const moved = after.filter((id, i) => id !== before[i]).length / keys.length;
    expect(moved).toBeGreaterThan(1 / 11 - 0.03);
    expect(moved).toBeLessThan(1 / 11 + 0.03);
    // Ring: every moved key moved to the newcomer. Maglev: nearly (minimal, not zero, disruption).
    const strayed = after.filter((id, i) => id !== before[i] && id !== 's10').length / keys.length;
    expect(strayed).toBeLessThanOrEqual(algorithm === 'ring' ? 0 : 0.02);
    const share = after.filter((id) => id === 's10').length / keys.length;
    expect(share).toBeGreaterThan(0.06);
  });
  it('bounded load caps every endpoint at ceil(c × average in-flight)', async () => {
    const ids = Array.from({ length: 8 }, (_, i) => `s${i}`);
    const lb = loadBalancer({ endpoints: eps(ids), strategy: consistentHash({ algorithm, boundedLoad: 1.25 }) });
    const gates: Array<() => void> = [];
    const done: Promise<unknown>[] = [];
    // The same hot key 80 times: unbounded, all would land on one endpoint.
    for (let i = 0; i < 80; i++) done.push(lb.execute(() => new Promise<void>((r) => gates.push(r)), { key: 'hot' }));
    const max = Math.max(...lb.endpoints().map((e) => e.inFlight));
    expect(max).toBeLessThanOrEqual(Math.ceil((1.25 * 80) / 8));
    gates.forEach((g) => g());
    await Promise.all(done);
  });
});

describe('properties', () => {
  const strategies: Array<[string, () => Strategy]> = [
    ['roundRobin', roundRobin],
    ['weightedRoundRobin', weightedRoundRobin],
    ['leastConnections', leastConnections],
    ['weightedLeastConnections', weightedLeastConnections],
    ['p2cEwma', () => p2cEwma()],
    ['ring', () => consistentHash()],
    ['maglev', () => consistentHash({ algorithm: 'maglev' })],
    ['adaptive', () => adaptive()],
  ];
  it.each(strategies)(
    '%s: maxConnections holds under random concurrency; saturated with no queue → SaturatedError',
    async (_name, make) => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 6 }),
          fc.array(fc.oneof(fc.constant(-1), fc.nat(20)), { minLength: 1, maxLength: 60 }),
          async (limits, ops) => {
            const endpoints = limits.map((m, i) => ({
              id: `e${i}`,
              url: 'http://x.test',
              maxConnections: m,
              weight: 1 + (i % 3),
            }));
            const lb = loadBalancer({
              endpoints,
              strategy: make(),
              random: seededRandom(ops.length),
              queue: { maxPending: 0 },
            });
            const open: Array<() => void> = [];
            const all: Promise<unknown>[] = [];
            for (const op of ops) {
              if (op === -1 && open.length > 0) {
                open.shift()!();
                await Promise.resolve();
                await Promise.resolve();
                continue;
              }
              const inFlight = lb.endpoints().reduce((a, e) => a + e.inFlight, 0);
              const p = lb.execute(() => new Promise<void>((r) => open.push(r)), { key: `k${op}` });
              all.push(
                p.catch((e: { code?: string }) => {
                  expect(e.code).toBe('BW_SATURATED');
                  expect(inFlight).toBe(limits.reduce((a, b) => a + b, 0));
                }),
              );
              for (const e of lb.endpoints()) expect(e.inFlight).toBeLessThanOrEqual(e.maxConnections!);
            }
            open.forEach((r) => r());
            await Promise.all(all);
          },
        ),
        { numRuns: 40 },
      );
    },
  );
  it.each(strategies)('%s: never picks an ejected endpoint while a healthy one exists', async (_name, make) => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.boolean(), { minLength: 2, maxLength: 8 }), fc.nat(1000), async (bad, seed) => {
        const endpoints = bad.map((_, i) => ({ id: `e${i}`, url: 'http://x.test' }));
        const clock = new ManualClock();
        const lb = loadBalancer({
          endpoints,
          strategy: make(),
          clock,
          random: seededRandom(seed),
          outlierDetection: { consecutiveFailures: 1, maxEjectionPercent: 100 },
          locality: { panicThreshold: 0 },
        });
        for (let i = 0; i < 40; i++) {
          await lb
            .execute(
              (ep) => {
                if (bad[Number(ep.id.slice(1))]) throw new Error('down');
              },
              { key: `k${i}` },
            )
            .catch(() => undefined);
        }
        const ejected = new Set(
          lb
            .endpoints()
            .filter((e) => e.ejected)
            .map((e) => e.id),
        );
        if (ejected.size === endpoints.length) return;
        for (let i = 0; i < 50; i++) expect(ejected.has(lb.pick({ key: `k${i}` }).id)).toBe(false);
        await lb.close();
      }),
      { numRuns: 30 },
    );
  });
});
