import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.js';
import { loadBalancer } from './load-balancer.js';
import { seededRandom } from './random.js';
import { leastConnections } from './strategies/least-connections.js';
import { p2cEwma } from './strategies/p2c-ewma.js';
import { roundRobin } from './strategies/round-robin.js';

type Op =
  | { kind: 'call'; abortable: boolean }
  | { kind: 'release'; pick: number; fail: boolean }
  | { kind: 'abort'; pick: number }
  | { kind: 'advance'; ms: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('call' as const), abortable: fc.boolean() }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('release' as const), pick: fc.nat(), fail: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('abort' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 1, max: 80 }) }) },
);

const strategies = [
  ['roundRobin', roundRobin],
  ['leastConnections', leastConnections],
  ['p2cEwma', () => p2cEwma()],
] as const;

describe('saturation queue properties (ManualClock)', () => {
  it.each(strategies)(
    '%s: every call settles exactly once, starts in arrival order, never exceeds maxConnections, leaks no slot',
    async (_n, make) => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 4 }),
          fc.option(fc.integer({ min: 0, max: 6 }), { nil: undefined }),
          fc.option(fc.integer({ min: 10, max: 100 }), { nil: undefined }),
          fc.array(op, { minLength: 20, maxLength: 150 }),
          async (limits, maxPending, timeoutMs, ops) => {
            const clock = new ManualClock();
            const queue = {
              ...(maxPending === undefined ? {} : { maxPending }),
              ...(timeoutMs === undefined ? {} : { timeoutMs }),
            };
            const endpoints = limits.map((m, i) => ({ id: `e${i}`, url: `http://e${i}.test`, maxConnections: m }));
            const lb = loadBalancer({ endpoints, strategy: make(), clock, random: seededRandom(ops.length), queue });
            const capacity = limits.reduce((a, b) => a + b, 0);
            const settled = new Map<number, number>();
            const started: number[] = [];
            const running = new Map<number, (fail: boolean) => void>();
            const controllers = new Map<number, AbortController>();
            const all: Promise<void>[] = [];
            const abortedWaiting = new Set<number>();
            let next = 0;
            const check = (): void => {
              for (const e of lb.endpoints()) expect(e.inFlight).toBeLessThanOrEqual(e.maxConnections!);
              expect(running.size).toBe(lb.endpoints().reduce((a, e) => a + e.inFlight, 0));
            };
            for (const o of ops) {
              if (o.kind === 'call') {
                const id = next++;
                const ac = o.abortable ? new AbortController() : undefined;
                if (ac !== undefined) controllers.set(id, ac);
                const p = lb.execute(
                  () => {
                    started.push(id);
                    return new Promise<void>((resolve, reject) =>
                      running.set(id, (fail) => {
                        running.delete(id);
                        if (fail) reject(new Error('upstream'));
                        else resolve();
                      }),
                    );
                  },
                  ac === undefined ? undefined : { signal: ac.signal },
                );
                all.push(
                  p
                    .then(
                      () => undefined,
                      () => undefined,
                    )
                    .then(() => {
                      settled.set(id, (settled.get(id) ?? 0) + 1);
                    }),
                );
              } else if (o.kind === 'release' && running.size > 0) {
                const ids = [...running.keys()];
                running.get(ids[o.pick % ids.length]!)!(o.fail);
              } else if (o.kind === 'abort' && controllers.size > 0) {
                const ids = [...controllers.keys()];
                const id = ids[o.pick % ids.length]!;
                if (!started.includes(id)) abortedWaiting.add(id);
                controllers.get(id)!.abort(new Error('caller'));
                controllers.delete(id);
              } else if (o.kind === 'advance') {
                clock.advance(o.ms);
              }
              await Promise.resolve();
              await Promise.resolve();
              check();
            }
            // Finish everything: release running calls until none is left (queued ones start meanwhile).
            for (let guard = 0; running.size > 0 || settled.size < next; guard++) {
              expect(guard).toBeLessThan(10_000);
              for (const r of [...running.values()]) r(false);
              await new Promise((r) => setImmediate(r));
              check();
            }
            await Promise.all(all);
            // Settled exactly once each.
            expect(settled.size).toBe(next);
            for (const n of settled.values()) expect(n).toBe(1);
            // A call aborted while it waited never starts.
            for (const id of abortedWaiting) expect(started).not.toContain(id);
            // FIFO: a call starts at once only when nobody waits, and waiters start oldest first.
            expect(started).toEqual([...started].sort((a, b) => a - b));
            // No slot leaked: every endpoint is idle, the full capacity can start at once, drain() resolves.
            expect(lb.endpoints().every((e) => e.inFlight === 0)).toBe(true);
            const holds: Array<() => void> = [];
            const full = Array.from({ length: capacity }, () =>
              lb.execute(() => new Promise<void>((r) => holds.push(r))),
            );
            await Promise.resolve();
            expect(holds.length).toBe(capacity);
            holds.forEach((h) => h());
            await Promise.all(full);
            await lb.drain();
            await lb.close();
          },
        ),
        { numRuns: 60 },
      );
    },
  );
});
