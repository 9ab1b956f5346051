import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.js';
import { pipeline } from '../pipeline.js';
import type { AttemptContext } from '../policy.js';
import { timeout } from '../timeout/timeout.js';
import { flush } from '../test-support/breaker.js';
import { circuitBreaker } from './circuit-breaker.js';
import { failureRate } from './trip/failure-rate.js';
import type { CircuitBreakerPolicy } from './circuit-breaker.js';

type Op = { kind: 'ok' | 'fail' | 'timeout' | 'cancel' } | { kind: 'advance'; ms: number };

const untilAborted = ({ signal }: AttemptContext): Promise<never> =>
  new Promise<never>((_, reject) =>
    signal.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')), { once: true }),
  );

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.constantFrom<Op>({ kind: 'ok' }, { kind: 'fail' }, { kind: 'timeout' }, { kind: 'cancel' }),
  fc.integer({ min: 1, max: 1_500 }).map((ms): Op => ({ kind: 'advance', ms })),
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
      fc.asyncProperty(fc.array(op, { maxLength: 60 }), async (ops) => {
        const clock = new ManualClock();
        const seen = make(clock); // gets every call
        const twin = make(clock); // gets every call but the cancelled ones
        let cancelled = 0;
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
          else if (o.kind === 'timeout') {
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
          await flush();
          expect(seen.state).toBe(twin.state);
        }
        const m = seen.metrics();
        const t = twin.metrics();
        expect(m.requests).toBe(m.successes + m.failures + m.rejected);
        expect({ ...m, cancelled: 0, stateSince: 0 }).toEqual({ ...t, stateSince: 0 });
        expect(m.cancelled).toBe(cancelled);
        expect(m.inFlight).toBe(0);
      }),
      { numRuns: 150 },
    );
  });
});
