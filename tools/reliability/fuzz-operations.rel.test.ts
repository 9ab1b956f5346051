import { appendFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BrokenCircuitError,
  IsolatedCircuitError,
  ManualClock,
  NoHealthyEndpointError,
  adaptive,
  circuitBreaker,
  consecutiveFailures,
  consistentHash,
  failureRate,
  leastConnections,
  loadBalancer,
  p2cEwma,
  roundRobin,
  weightedLeastConnections,
  weightedRoundRobin,
  type CircuitBreaker,
  type Endpoint,
  type StateChangeEvent,
} from '@breakwater/core';
import { seededRandom } from '@breakwater/testkit';
import { recordFigures } from './harness/results.js';

const RUNS = Number(process.env['BW_REL_OPS_RUNS'] ?? 400);
const STATES = ['closed', 'open', 'half-open', 'isolated'];
const turn = (): Promise<void> => new Promise((r) => setImmediate(r));
const tally = { breakerOps: 0, balancerOps: 0, breakerTransitions: 0, balancerPicks: 0 };

interface Deferred {
  settle(ok: boolean): void;
  settled: boolean;
  admitted: boolean;
  outcome: Promise<unknown>;
  result: 'pending' | 'ok' | 'err';
  error?: unknown;
}

/** Starts a call whose protected function waits until the test settles it. */
function startCall(run: (fn: () => Promise<string>) => Promise<unknown>): Deferred {
  let release: ((ok: boolean) => void) | undefined;
  const d: Deferred = {
    settled: false,
    admitted: false,
    result: 'pending',
    outcome: Promise.resolve(),
    settle(ok) {
      if (!d.settled && release) {
        d.settled = true;
        release(ok);
      }
    },
  };
  d.outcome = run(() => {
    d.admitted = true;
    return new Promise<string>((res, rej) => {
      release = (ok) => (ok ? res('ok') : rej(new Error('upstream')));
    });
  }).then(
    (v) => {
      d.result = 'ok';
      return v;
    },
    (e: unknown) => {
      d.result = 'err';
      d.error = e;
      d.settled = true;
    },
  );
  return d;
}

type BreakerOp =
  | { op: 'call' }
  | { op: 'settle'; i: number; ok: boolean }
  | { op: 'advance'; ms: number }
  | { op: 'isolate' }
  | { op: 'release' }
  | { op: 'reset' };

const breakerOp: fc.Arbitrary<BreakerOp> = fc.oneof(
  { weight: 5, arbitrary: fc.constant({ op: 'call' as const }) },
  { weight: 5, arbitrary: fc.record({ op: fc.constant('settle' as const), i: fc.nat(), ok: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 1500 }) }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom({ op: 'isolate' as const }, { op: 'release' as const }, { op: 'reset' as const }),
  },
);

/** Invariants that hold after every operation on any breaker. */
function checkBreaker(br: CircuitBreaker, calls: Deferred[], events: StateChangeEvent[], lastGen: number): number {
  expect(STATES).toContain(br.state);
  const m = br.metrics() as ReturnType<CircuitBreaker['metrics']> & { inFlight?: number };
  const inFlight = calls.filter((c) => c.admitted && !c.settled).length;
  // API: requests = successes + failures + rejected (a call is counted when its outcome is known).
  expect(m.requests, JSON.stringify(m)).toBe(m.successes + m.failures + m.rejected);
  expect(m.failureRate).toBeGreaterThanOrEqual(0);
  expect(m.failureRate).toBeLessThanOrEqual(1);
  if (m.inFlight !== undefined) expect(m.inFlight).toBe(inFlight);
  expect(br.generation).toBeGreaterThanOrEqual(lastGen);
  for (let i = 1; i < events.length; i++) {
    expect(events[i]!.from, 'transitions chain').toBe(events[i - 1]!.to);
    expect(events[i]!.from).not.toBe(events[i]!.to);
  }
  if (events.length > 0) {
    // Reads have no side effects: a local breaker whose open period is over reads 'half-open'
    // before the admitting call makes (and announces) the transition.
    const last = events[events.length - 1]!.to;
    expect(
      last === br.state || (last === 'open' && br.state === 'half-open'),
      `last event to ${last}, state ${br.state}`,
    ).toBe(true);
  }
  return br.generation;
}

describe('fuzz: operation sequences keep breaker and balancer invariants', () => {
  it('circuit breaker: any sequence of calls, outcomes, time, isolate/release/reset', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(breakerOp, { minLength: 1, maxLength: 60 }),
        fc.boolean(),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 3 }),
        async (ops, rateStrategy, maxProbes, successesToClose) => {
          const clock = new ManualClock(1_000);
          const br = circuitBreaker({
            name: 'ops',
            clock,
            halfOpenAfterMs: 1000,
            halfOpen: { maxProbes, successesToClose },
            trip: rateStrategy
              ? failureRate({ threshold: 0.5, minimumRequests: 4, window: { kind: 'count', size: 8 } })
              : consecutiveFailures(3),
          });
          const events: StateChangeEvent[] = [];
          const off = br.on('stateChange', (e) => events.push(e));
          const calls: Deferred[] = [];
          let gen = br.generation;
          let isolation: { release(): void } | undefined;
          for (const o of ops) {
            tally.breakerOps += 1;
            const stateBefore = br.state;
            if (o.op === 'call') {
              const probesBefore = calls.filter((c) => c.admitted && !c.settled).length;
              const d = startCall((fn) => br.execute(fn));
              calls.push(d);
              await turn();
              if (stateBefore === 'open' || stateBefore === 'isolated') {
                // Open rejects without calling; isolated with its own error.
                expect(d.admitted).toBe(false);
                expect(d.error).toBeInstanceOf(stateBefore === 'isolated' ? IsolatedCircuitError : BrokenCircuitError);
              }
              if (br.state === 'half-open')
                expect(calls.filter((c) => c.admitted && !c.settled).length).toBeLessThanOrEqual(
                  Math.max(maxProbes, probesBefore),
                );
            } else if (o.op === 'settle') {
              const open = calls.filter((c) => c.admitted && !c.settled);
              if (open.length > 0) open[o.i % open.length]!.settle(o.ok);
            } else if (o.op === 'advance') clock.advance(o.ms);
            else if (o.op === 'isolate') {
              isolation ??= br.isolate();
            } else if (o.op === 'release') {
              isolation?.release();
              if (isolation) expect(br.state).toBe('closed');
              isolation = undefined;
            } else {
              br.reset();
              isolation = undefined;
              expect(br.state).toBe('closed');
            }
            await turn();
            gen = checkBreaker(br, calls, events, gen);
          }
          // Wind down: every call settles exactly once.
          for (const c of calls) c.settle(true);
          clock.advance(10_000);
          await Promise.all(calls.map((c) => c.outcome));
          expect(calls.every((c) => c.result !== 'pending')).toBe(true);
          checkBreaker(br, calls, events, gen);
          tally.breakerTransitions += events.length;
          off();
          br.dispose();
        },
      ),
      { numRuns: RUNS },
    );
  });

  type LbOp =
    | { op: 'call'; key: number }
    | { op: 'settle'; i: number; ok: boolean }
    | { op: 'advance'; ms: number }
    | { op: 'update'; keep: number; add: number };
  const lbOp: fc.Arbitrary<LbOp> = fc.oneof(
    { weight: 5, arbitrary: fc.record({ op: fc.constant('call' as const), key: fc.nat(20) }) },
    { weight: 5, arbitrary: fc.record({ op: fc.constant('settle' as const), i: fc.nat(), ok: fc.boolean() }) },
    {
      weight: 2,
      arbitrary: fc.record({ op: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 40_000 }) }),
    },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('update' as const), keep: fc.nat(), add: fc.nat(2) }) },
  );
  const endpointArb = fc.record({
    weight: fc.integer({ min: 1, max: 5 }),
    maxConnections: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
    backup: fc.boolean(),
  });
  const strategies = [
    roundRobin,
    weightedRoundRobin,
    leastConnections,
    weightedLeastConnections,
    () => p2cEwma(),
    () => consistentHash(),
    () => consistentHash({ algorithm: 'maglev', boundedLoad: 1.25 }),
    () => adaptive(),
  ];

  it('load balancer: picks stay in the endpoint set, honour maxConnections and backups; in-flight ends at 0', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(endpointArb, { minLength: 0, maxLength: 5 }),
        fc.nat(strategies.length - 1),
        fc.array(lbOp, { minLength: 1, maxLength: 60 }),
        fc.integer(),
        async (specs, s, ops, seed) => {
          let nextId = 0;
          const mk = (e: { weight: number; maxConnections: number | undefined; backup: boolean }): Endpoint => ({
            id: `e${nextId++}`,
            url: `http://e${nextId}.invalid`,
            weight: e.weight,
            backup: e.backup,
            ...(e.maxConnections === undefined ? {} : { maxConnections: e.maxConnections }),
          });
          let current = specs.map(mk);
          const clock = new ManualClock(0);
          if (process.env['BW_REL_TRACE'])
            appendFileSync(process.env['BW_REL_TRACE'], `${JSON.stringify({ specs, s, seed, ops })}\n`);
          const lb = loadBalancer({
            endpoints: current,
            strategy: strategies[s]!(),
            clock,
            random: seededRandom(seed),
            outlierDetection: { consecutiveFailures: 2, baseEjectionMs: 5000 },
          });
          const calls: Array<Deferred & { endpoint?: string }> = [];
          for (const o of ops) {
            tally.balancerOps += 1;
            if (o.op === 'call') {
              const views = lb.endpoints();
              const primariesFree = views.some(
                (v) =>
                  !v.backup &&
                  v.healthy &&
                  !v.ejected &&
                  (v.maxConnections === undefined || v.inFlight < v.maxConnections),
              );
              const picked: { id?: string } = {};
              const d: Deferred & { endpoint?: string } = startCall((fn) =>
                lb.execute(
                  (ep) => {
                    picked.id = ep.id;
                    return fn();
                  },
                  { key: `k${o.key}` },
                ),
              );
              calls.push(d);
              await turn();
              d.endpoint = picked.id;
              if (d.admitted) {
                tally.balancerPicks += 1;
                const ep = current.find((e) => e.id === d.endpoint);
                expect(ep, `picked ${d.endpoint} not in the set`).toBeDefined();
                if (primariesFree) expect(ep!.backup, 'backup picked while a primary was free').toBeFalsy();
              } else if (d.result === 'err') {
                expect(d.error).toBeInstanceOf(NoHealthyEndpointError);
              }
            } else if (o.op === 'settle') {
              const open = calls.filter((c) => c.admitted && !c.settled);
              if (open.length > 0) open[o.i % open.length]!.settle(o.ok);
            } else if (o.op === 'advance') clock.advance(o.ms);
            else {
              const kept = current.filter((_, i) => ((o.keep >> i) & 1) === 1);
              current = [
                ...kept,
                ...Array.from({ length: o.add }, () => mk({ weight: 1, maxConnections: undefined, backup: false })),
              ];
              lb.update(current);
            }
            await turn();
            for (const v of lb.endpoints()) {
              expect(v.inFlight).toBeGreaterThanOrEqual(0);
              if (v.maxConnections !== undefined) expect(v.inFlight).toBeLessThanOrEqual(v.maxConnections);
              expect(Number.isFinite(v.ewmaMs) || v.ewmaMs === 0).toBe(true);
            }
            expect(
              lb
                .endpoints()
                .map((v) => v.id)
                .sort(),
            ).toEqual(current.map((e) => e.id).sort());
          }
          // Wind down: calls that waited in the saturation queue start as slots free; settle until none is left.
          for (let round = 0; calls.some((c) => c.result === 'pending'); round++) {
            expect(round, 'a queued call never started').toBeLessThan(1_000);
            for (const c of calls) c.settle(true);
            await turn();
          }
          await Promise.all(calls.map((c) => c.outcome));
          expect(calls.every((c) => c.result !== 'pending')).toBe(true);
          expect(lb.endpoints().reduce((n, v) => n + v.inFlight, 0)).toBe(0);
          await lb.close();
        },
      ),
      { numRuns: RUNS },
    );
    recordFigures('75-fuzz-operations', {
      title: 'Fuzz: breaker and balancer operation sequences',
      rows: {
        'breaker operations checked': tally.breakerOps,
        'breaker transitions seen': tally.breakerTransitions,
        'balancer operations checked': tally.balancerOps,
        'balancer picks checked': tally.balancerPicks,
      },
    });
  });
});
