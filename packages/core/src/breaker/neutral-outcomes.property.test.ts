import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.js';
import { BulkheadRejectedError, RateLimitedError, SaturatedError } from '../errors.js';
import { flush } from '../test-support/breaker.js';
import { circuitBreaker, type CircuitBreakerPolicy } from './circuit-breaker.js';
import { consecutiveFailures } from './trip/consecutive-failures.js';
import { failureRate } from './trip/failure-rate.js';

type Op = { kind: 'ok' | 'fail' | 'ignored' } | { kind: 'advance'; ms: number };

const IGNORED = [
  () => new BulkheadRejectedError(1, 0),
  () => new RateLimitedError(5),
  () => new SaturatedError('queue full'),
  () => Object.assign(new Error('connect EMFILE'), { code: 'EMFILE' }),
];

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.constantFrom<Op>({ kind: 'ok' }, { kind: 'fail' }, { kind: 'ignored' }, { kind: 'ignored' }),
  fc.integer({ min: 1, max: 1_500 }).map((ms): Op => ({ kind: 'advance', ms })),
);

const make = (clock: ManualClock, rate: boolean): CircuitBreakerPolicy =>
  circuitBreaker({
    name: 'p',
    clock,
    halfOpenAfterMs: 1_000,
    halfOpen: { maxProbes: 2, successesToClose: 2 },
    trip: rate
      ? failureRate({ threshold: 0.5, minimumRequests: 4, window: { kind: 'count', size: 8 } })
      : consecutiveFailures(3),
  });

describe('ignored outcomes are invisible to the breaker (property)', () => {
  it('a breaker that also sees inner rejections and local resource errors behaves exactly like a twin that never saw them', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 60 }), fc.boolean(), fc.nat(), async (ops, rate, seed) => {
        const clock = new ManualClock();
        const seen = make(clock, rate);
        const twin = make(clock, rate);
        let ignoredOffered = 0;
        let i = seed;
        for (const o of ops) {
          if (o.kind === 'advance') clock.advance(o.ms);
          else if (o.kind === 'ok')
            await Promise.all([seen, twin].map((b) => b.execute(() => 'ok').catch(() => undefined)));
          else if (o.kind === 'fail')
            await Promise.all(
              [seen, twin].map((b) =>
                b
                  .execute(() => {
                    throw new Error('x');
                  })
                  .catch(() => undefined),
              ),
            );
          else if (seen.wouldAdmit()) {
            // Only calls the breaker lets through reach the inner policy; the twin sees nothing.
            const error = IGNORED[i++ % IGNORED.length]!();
            await seen.execute(() => Promise.reject(error)).catch(() => undefined);
            ignoredOffered++;
          }
          await flush();
          expect(seen.state).toBe(twin.state);
        }
        const m = seen.metrics();
        const t = twin.metrics();
        expect(m.requests).toBe(m.successes + m.failures + m.rejected);
        // An ignored call admitted when the open period was over made the open → half-open transition
        // the twin has not made yet (both read 'half-open'): generation and stateSince may differ.
        expect({ ...m, ignored: 0, stateSince: 0, generation: 0 }).toEqual({ ...t, stateSince: 0, generation: 0 });
        expect(m.ignored).toBe(ignoredOffered);
        expect(m.inFlight).toBe(0);
      }),
      { numRuns: 150 },
    );
  });
});
