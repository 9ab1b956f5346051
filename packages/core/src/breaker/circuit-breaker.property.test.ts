import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.js';
import { BrokenCircuitError } from '../errors.js';
import { circuitBreaker } from './circuit-breaker.js';
import { consecutiveFailures } from './trip/consecutive-failures.js';
import { failureRate } from './trip/failure-rate.js';
import type { BreakerState, StateChangeEvent } from './types.js';
import { deferred, flush, type Deferred } from '../test-support/breaker.js';

type Command =
  | { kind: 'call'; outcome: 'ok' | 'fail' | 'hang' }
  | { kind: 'settle'; index: number; ok: boolean }
  | { kind: 'advance'; ms: number }
  | { kind: 'isolate' }
  | { kind: 'release' }
  | { kind: 'reset' };

const command: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('call' as const),
      outcome: fc.constantFrom('ok' as const, 'fail' as const, 'fail' as const, 'hang' as const, 'hang' as const),
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('settle' as const), index: fc.nat(), ok: fc.boolean() }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('advance' as const),
      ms: fc.constantFrom(0, 1, 100, 250, 499, 500, 799, 800),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom({ kind: 'isolate' as const }, { kind: 'release' as const }, { kind: 'reset' as const }),
  },
);

const ALLOWED = new Set(['closed>open', 'open>half-open', 'half-open>closed', 'half-open>open', 'isolated>closed']);

function edgeAllowed(e: StateChangeEvent): boolean {
  if (e.to === 'isolated') return true; // any → isolated
  if (e.reason === 'reset') return e.to === 'closed'; // any → closed via reset
  return ALLOWED.has(`${e.from}>${e.to}`);
}

describe('circuitBreaker properties', () => {
  const stats = { halfOpen: 0, concurrentProbes: 0 };
  it('moves only along allowed edges, never calls fn when it must not, caps probes, and its metrics add up', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(command, { minLength: 10, maxLength: 60, size: 'max' }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 3 }),
        fc.boolean(),
        async (commands, maxProbes, successesToClose, useRate) => {
          const clock = new ManualClock();
          const halfOpenAfterMs = 500;
          const breaker = circuitBreaker({
            name: 'p',
            clock,
            halfOpenAfterMs,
            halfOpen: { maxProbes, successesToClose, probeTimeoutMs: 800 },
            trip: useRate
              ? failureRate({ threshold: 0.5, minimumRequests: 3, window: { kind: 'count', size: 5 } })
              : consecutiveFailures(2),
          });
          const violations: string[] = [];
          let openedAt = 0;
          let round = 0;
          /** Probe calls not yet settled: call id → half-open round it was admitted in. */
          const probing = new Map<number, number>();
          breaker.on('stateChange', (e) => {
            if (!edgeAllowed(e)) violations.push(`edge ${e.from}>${e.to} (${e.reason})`);
            if (e.to === 'open') openedAt = e.at;
            if (e.to === 'half-open') {
              round++;
              stats.halfOpen++;
            }
          });
          const pending: Array<Deferred<string> | undefined> = [];
          const calls: Array<Promise<unknown>> = [];
          let isolation: { release(): void } | undefined;
          let id = 0;
          for (const c of commands) {
            if (c.kind === 'call') {
              const callId = id++;
              const stateAtAdmission = (): BreakerState => breaker.state;
              const fn = (): Promise<string> | string => {
                const s = stateAtAdmission();
                if (s === 'open' || s === 'isolated') violations.push(`fn called while ${s}`);
                if (s === 'half-open') {
                  if (clock.now() - openedAt < halfOpenAfterMs) violations.push('probe before halfOpenAfterMs');
                  probing.set(callId, round);
                  const concurrent = [...probing.values()].filter((r) => r === round).length;
                  if (concurrent > 1) stats.concurrentProbes++;
                  if (concurrent > maxProbes) violations.push(`${concurrent} concurrent probes`);
                }
                if (c.outcome === 'ok') return 'ok';
                if (c.outcome === 'fail') return Promise.reject(new Error('fail'));
                const d = deferred<string>();
                pending.push(d);
                return d.promise;
              };
              calls.push(
                breaker
                  .execute(fn)
                  .finally(() => probing.delete(callId))
                  .catch((e: unknown) => {
                    if (e instanceof BrokenCircuitError || (e as Error).message === 'fail') return;
                    violations.push(`unexpected error ${String(e)}`);
                  }),
              );
            } else if (c.kind === 'settle') {
              const open = pending.filter((d) => d !== undefined);
              if (open.length > 0) {
                const d = open[c.index % open.length]!;
                pending[pending.indexOf(d)] = undefined;
                if (c.ok) d.resolve('ok');
                else d.reject(new Error('fail'));
              }
            } else if (c.kind === 'advance') {
              clock.advance(c.ms);
            } else if (c.kind === 'isolate') {
              isolation = breaker.isolate();
            } else if (c.kind === 'release') {
              isolation?.release();
            } else {
              breaker.reset();
            }
            await flush();
          }
          for (const d of pending) d?.resolve('ok');
          await Promise.all(calls);
          const m = breaker.metrics();
          expect(violations).toEqual([]);
          expect(m.requests).toBe(m.successes + m.failures + m.rejected);
          expect(m.requests).toBe(calls.length);
          expect(m.inFlight).toBe(0);
          expect(m.failureRate).toBeGreaterThanOrEqual(0);
          expect(m.failureRate).toBeLessThanOrEqual(1);
          breaker.dispose();
          expect(clock.pendingTimers()).toBe(0);
        },
      ),
      { numRuns: 300 },
    );
    // The generator must actually reach the interesting states, or the properties prove nothing.
    expect(stats.halfOpen).toBeGreaterThan(100);
    expect(stats.concurrentProbes).toBeGreaterThan(20);
  });

  it('never sticks in half-open: with time passing, every round ends', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom('hang', 'ok', 'fail'), { minLength: 1, maxLength: 10 }),
        async (outcomes) => {
          const clock = new ManualClock();
          const breaker = circuitBreaker({
            name: 'h',
            clock,
            trip: consecutiveFailures(1),
            halfOpenAfterMs: 100,
            halfOpen: { probeTimeoutMs: 50, maxProbes: 2 },
          });
          await breaker
            .execute(() => {
              throw new Error('x');
            })
            .catch(() => undefined);
          clock.advance(100);
          for (const o of outcomes) {
            void breaker
              .execute(() => (o === 'hang' ? new Promise(() => {}) : o === 'ok' ? 1 : Promise.reject(new Error('f'))))
              .catch(() => undefined);
            await flush();
          }
          clock.advance(50);
          await flush();
          expect(breaker.state).not.toBe('half-open');
          expect(clock.pendingTimers()).toBe(0);
        },
      ),
      { numRuns: 200 },
    );
  });
});
