import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.js';
import { settle } from '../test-support/upstream.js';
import { adaptiveConcurrency } from './index.js';

const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

const call = fc.record({
  durationMs: fc.integer({ min: 0, max: 60 }),
  outcome: fc.constantFrom('ok', 'fail', 'throw'),
  /** Caller aborts this many ms after the call (or never). */
  abortAfterMs: fc.option(fc.integer({ min: 0, max: 40 }), { nil: undefined }),
});
const step = fc.record({ calls: fc.array(call, { maxLength: 8 }), advanceMs: fc.integer({ min: 0, max: 30 }) });

describe('adaptiveConcurrency (property)', () => {
  it('limit stays within [minLimit, maxLimit], no call starts beyond the limit, every call settles exactly once', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('gradient2', 'vegas', 'aimd'),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 0, max: 20 }),
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: 1, max: 4 }),
        fc.array(step, { minLength: 1, maxLength: 40 }),
        async (algorithm, minLimit, span, maxQueue, minWindowSamples, steps) => {
          const clock = new ManualClock(0);
          const maxLimit = minLimit + span;
          const lim = adaptiveConcurrency({
            algorithm,
            minLimit,
            maxLimit,
            initialLimit: minLimit + Math.floor(span / 2),
            maxQueue,
            minWindowSamples,
            clock,
            ...(algorithm === 'aimd' ? { dropLatencyMs: 35 } : { baselineIntervalMs: 100 }),
          });
          const violations: string[] = [];
          lim.on('limitChange', (e) => {
            if (e.to < minLimit || e.to > maxLimit || !Number.isInteger(e.to)) violations.push(`limit ${e.to}`);
          });
          const settledCount: number[] = [];
          let n = 0;
          for (const s of steps) {
            for (const c of s.calls) {
              const id = n++;
              settledCount[id] = 0;
              const ac = c.abortAfterMs === undefined ? undefined : new AbortController();
              if (ac !== undefined) clock.setTimeout(() => ac.abort(), c.abortAfterMs!);
              const p = lim.execute(
                ({ signal }) => {
                  if (lim.inFlight > lim.limit)
                    violations.push(`started with ${lim.inFlight} in flight, limit ${lim.limit}`);
                  if (c.outcome === 'throw') throw new Error('sync');
                  return new Promise<void>((resolve, reject) => {
                    clock.setTimeout(() => (c.outcome === 'ok' ? resolve() : reject(new Error('down'))), c.durationMs);
                    // Half the functions honour the abort, half ignore it and settle later.
                    if (id % 2 === 0) signal.addEventListener('abort', () => reject(signal.reason));
                  });
                },
                ac === undefined ? undefined : { signal: ac.signal },
              );
              p.then(
                () => {
                  settledCount[id]!++;
                },
                () => {
                  settledCount[id]!++;
                },
              );
            }
            await settle();
            for (let t = 0; t < s.advanceMs; t++) {
              clock.advance(1);
              await settle();
            }
            await turn(); // a freed slot reaches an abortable waiter on the next event-loop turn
            if (lim.limit < minLimit || lim.limit > maxLimit) violations.push(`limit read ${lim.limit}`);
          }
          for (let t = 0; t < 200; t++) {
            clock.advance(1);
            await settle();
            await turn();
          }
          expect(violations).toEqual([]);
          expect(settledCount.filter((k) => k !== 1)).toEqual([]);
          expect([lim.inFlight, lim.queued]).toEqual([0, 0]);
        },
      ),
      { numRuns: 60 },
    );
  }, 60_000);
});
