import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.js';
import { BulkheadRejectedError, RateLimitedError, SaturatedError } from '../errors.js';
import { expectAllCallsSettled, playTwins, twinOps } from '../test-support/twin-breakers.js';
import { circuitBreaker, type CircuitBreakerPolicy } from './circuit-breaker.js';
import { consecutiveFailures } from './trip/consecutive-failures.js';
import { failureRate } from './trip/failure-rate.js';

const IGNORED = [
  () => new BulkheadRejectedError(1, 0),
  () => new RateLimitedError(5),
  () => new SaturatedError('queue full'),
  () => Object.assign(new Error('connect EMFILE'), { code: 'EMFILE' }),
];

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
      fc.asyncProperty(twinOps('ignored', 'ignored'), fc.boolean(), fc.nat(), async (ops, rate, seed) => {
        const clock = new ManualClock();
        const seen = make(clock, rate);
        const twin = make(clock, rate);
        let ignoredOffered = 0;
        let i = seed;
        await playTwins(clock, seen, twin, ops, async () => {
          if (!seen.wouldAdmit()) return;
          // Only calls the breaker lets through reach the inner policy; the twin sees nothing.
          const error = IGNORED[i++ % IGNORED.length]!();
          await seen.execute(() => Promise.reject(error)).catch(() => undefined);
          ignoredOffered++;
        });
        const m = seen.metrics();
        expectAllCallsSettled(m);
        // An ignored call admitted when the open period was over made the open → half-open transition
        // the twin has not made yet (both read 'half-open'): generation and stateSince may differ.
        const t = twin.metrics();
        expect({ ...m, ignored: 0, stateSince: 0, generation: 0 }).toEqual({ ...t, stateSince: 0, generation: 0 });
        expect(m.ignored).toBe(ignoredOffered);
      }),
      { numRuns: 150 },
    );
  });
});
