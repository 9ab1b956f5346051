import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.js';
import { pipeline } from '../pipeline.js';
import type { AttemptContext } from '../policy.js';
import { timeout } from '../timeout/timeout.js';
import { expectAllCallsSettled, playTwins, twinOps } from '../test-support/twin-breakers.js';
import { circuitBreaker } from './circuit-breaker.js';
import { failureRate } from './trip/failure-rate.js';
import type { CircuitBreakerPolicy } from './circuit-breaker.js';

const untilAborted = ({ signal }: AttemptContext): Promise<never> =>
  new Promise<never>((_, reject) =>
    signal.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')), { once: true }),
  );

const make = (clock: ManualClock): CircuitBreakerPolicy =>
  circuitBreaker({
    name: 'p',
    clock,
    halfOpenAfterMs: 1_000,
    halfOpen: { maxProbes: 2, successesToClose: 2 },
    trip: failureRate({ threshold: 0.5, minimumRequests: 4, window: { kind: 'count', size: 8 } }),
  });

describe('cancellations are invisible to the breaker (property)', () => {
  it('a breaker that also sees cancelled calls behaves exactly like one that never saw them; requests = successes + failures + rejected', async () => {
    await fc.assert(
      fc.asyncProperty(twinOps('timeout', 'cancel'), async (ops) => {
        const clock = new ManualClock();
        const seen = make(clock); // gets every call
        const twin = make(clock); // gets every call but the cancelled ones
        let cancelled = 0;
        await playTwins(clock, seen, twin, ops, async (kind) => {
          if (kind === 'timeout') {
            const ps = [seen, twin].map((b) =>
              pipeline(timeout(10, { clock }), b)
                .execute(untilAborted)
                .catch(() => undefined),
            );
            clock.advance(10);
            await Promise.all(ps);
          } else if (seen.state === 'closed') {
            // A caller abort while closed (a half-open probe abandoned by its caller fails on purpose).
            const ac = new AbortController();
            const p = seen.execute(untilAborted, { signal: ac.signal }).catch(() => undefined);
            ac.abort();
            await p;
            cancelled++;
          }
        });
        const m = seen.metrics();
        expectAllCallsSettled(m);
        expect({ ...m, cancelled: 0, stateSince: 0 }).toEqual({ ...twin.metrics(), stateSince: 0 });
        expect(m.cancelled).toBe(cancelled);
      }),
      { numRuns: 150 },
    );
  });
});
