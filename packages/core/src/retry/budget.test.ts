import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.js';
import { retryBudget } from './budget.js';

describe('retryBudget', () => {
  it('allows ratio × requests + the per-second reserve over the window', () => {
    const clock = new ManualClock();
    const b = retryBudget({ ratio: 0.2, minRetriesPerSecond: 0, windowMs: 1000, clock });
    for (let i = 0; i < 10; i++) b.recordRequest();
    expect(b.tryRetry()).toBe(true);
    expect(b.tryRetry()).toBe(true);
    expect(b.tryRetry()).toBe(false);
    expect(b.stats()).toEqual({ requests: 10, retries: 2, available: 0 });
  });

  it('forgets requests and retries that slid out of the window, without timers', () => {
    const clock = new ManualClock();
    const b = retryBudget({ ratio: 1, minRetriesPerSecond: 0, windowMs: 1000, clock });
    b.recordRequest();
    expect(b.tryRetry()).toBe(true);
    expect(b.tryRetry()).toBe(false);
    clock.advance(500);
    b.recordRequest();
    expect(b.tryRetry()).toBe(true);
    clock.advance(600); // the first request and retry are out
    expect(b.stats()).toEqual({ requests: 1, retries: 1, available: 0 });
    clock.advance(10_000);
    expect(b.stats()).toEqual({ requests: 0, retries: 0, available: 0 });
    expect(clock.pendingTimers()).toBe(0);
  });

  it('the reserve allows minRetriesPerSecond × window seconds with no traffic', () => {
    const b = retryBudget({ ratio: 0, minRetriesPerSecond: 3, windowMs: 2000, clock: new ManualClock() });
    let n = 0;
    while (b.tryRetry()) n++;
    expect(n).toBe(6);
  });

  it('never grants more retries in any window than the formula allows (property)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer({ min: 0, max: 5 }),
        fc.array(fc.record({ op: fc.constantFrom('req', 'retry'), dt: fc.integer({ min: 0, max: 400 }) }), {
          maxLength: 200,
        }),
        (ratio, minPerSecond, ops) => {
          const windowMs = 1000;
          const clock = new ManualClock();
          const b = retryBudget({ ratio, minRetriesPerSecond: minPerSecond, windowMs, clock });
          const requests: number[] = [];
          const granted: number[] = [];
          for (const { op, dt } of ops) {
            clock.advance(dt);
            const now = clock.now();
            if (op === 'req') {
              b.recordRequest();
              requests.push(now);
              continue;
            }
            if (!b.tryRetry()) continue;
            granted.push(now);
            // The window is 10 buckets of 100 ms rotated lazily: it covers t ≥ start of the 10th-last bucket.
            const from = (Math.floor(now / 100) - 9) * 100;
            const inWindowRequests = requests.filter((t) => t >= from).length;
            const inWindowRetries = granted.filter((t) => t >= from).length;
            expect(inWindowRetries).toBeLessThanOrEqual(
              ratio * inWindowRequests + minPerSecond * (windowMs / 1000) + 1e-9,
            );
          }
          // No end-of-run check of stats(): a retry granted while its requests were in the window
          // legitimately outlives them as the window slides (fast-check found 1 retry vs 4 requests × 0.2).
          expect(b.stats().available).toBeGreaterThanOrEqual(0);
        },
      ),
    );
  });

  it('validates its options', () => {
    expect(() => retryBudget({ ratio: -0.1 })).toThrow('retryBudget.ratio');
    expect(() => retryBudget({ windowMs: 0 })).toThrow('retryBudget.windowMs: expected a finite number > 0, got 0');
  });
});
