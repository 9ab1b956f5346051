import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.js';
import { deferred, flush, type Deferred } from '../test-support/breaker.js';
import { circuitBreaker } from './circuit-breaker.js';
import { consecutiveFailures } from './trip/consecutive-failures.js';
import { failureRate } from './trip/failure-rate.js';
import type { CircuitBreakerPolicy } from './types.js';

type Command =
  | { kind: 'call'; outcome: 'ok' | 'fail' | 'hang' | 'throw' }
  | { kind: 'settle'; index: number; ok: boolean }
  | { kind: 'advance'; ms: number }
  | { kind: 'reset' };

const command: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('call' as const),
      outcome: fc.constantFrom('ok' as const, 'fail' as const, 'hang' as const, 'throw' as const),
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('settle' as const), index: fc.nat(), ok: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.constantFrom(0, 100, 500) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'reset' as const }) },
);

/** What must be the same whichever path ran the calls. */
function observe(b: CircuitBreakerPolicy) {
  const m = b.metrics();
  return {
    state: m.state,
    successes: m.successes,
    failures: m.failures,
    rejected: m.rejected,
    failureRate: m.failureRate,
    generation: b.generation,
  };
}

/**
 * The untimed closed-state fast path (the user's promise plus cached per-generation handlers)
 * against the plain async path (a `success` listener makes every call timed), on the same schedule:
 * the same transitions, counts and window.
 */
describe('breaker fast path vs plain path (differential)', () => {
  it('same transitions and metrics on every schedule', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 5, maxLength: 50 }), fc.boolean(), async (commands, useRate) => {
        const clock = new ManualClock();
        const make = (name: string) =>
          circuitBreaker({
            name,
            clock,
            halfOpenAfterMs: 500,
            trip: useRate
              ? failureRate({ threshold: 0.5, minimumRequests: 3, window: { kind: 'count', size: 5 } })
              : consecutiveFailures(2),
          });
        const fast = make('fast');
        const plain = make('plain');
        plain.on('success', () => {});
        const events = { fast: [] as string[], plain: [] as string[] };
        fast.on('stateChange', (e) => events.fast.push(`${e.from}>${e.to} ${e.reason} #${e.generation}`));
        plain.on('stateChange', (e) => events.plain.push(`${e.from}>${e.to} ${e.reason} #${e.generation}`));
        const pending: Array<[Deferred<string>, Deferred<string>] | undefined> = [];
        const calls: Array<Promise<unknown>> = [];
        for (const c of commands) {
          if (c.kind === 'call') {
            const pair: [Deferred<string>, Deferred<string>] = [deferred<string>(), deferred<string>()];
            // A call the breaker rejected never consumes its deferred: rejecting it must not be unhandled.
            for (const d of pair) d.promise.catch(() => undefined);
            if (c.outcome === 'hang') pending.push(pair);
            const run = (b: CircuitBreakerPolicy, d: Deferred<string>) =>
              b
                .execute((): Promise<string> | string => {
                  if (c.outcome === 'ok') return 'ok';
                  if (c.outcome === 'throw') throw new Error('thrown');
                  if (c.outcome === 'fail') return Promise.reject(new Error('fail'));
                  return d.promise;
                })
                .catch(() => undefined);
            calls.push(run(fast, pair[0]), run(plain, pair[1]));
          } else if (c.kind === 'settle') {
            const open = pending.filter((p) => p !== undefined);
            if (open.length > 0) {
              const pair = open[c.index % open.length]!;
              pending[pending.indexOf(pair)] = undefined;
              for (const d of pair) {
                if (c.ok) d.resolve('ok');
                else d.reject(new Error('fail'));
              }
            }
          } else if (c.kind === 'advance') {
            clock.advance(c.ms);
          } else {
            fast.reset();
            plain.reset();
          }
          await flush();
          expect(observe(fast)).toEqual(observe(plain));
        }
        for (const pair of pending) pair?.forEach((d) => d.resolve('ok'));
        await Promise.all(calls);
        expect(events.fast).toEqual(events.plain);
        expect(observe(fast)).toEqual(observe(plain));
      }),
      { numRuns: 200 },
    );
  });
});
