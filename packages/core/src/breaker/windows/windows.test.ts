import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CountWindow } from './count-window.js';
import { TimeWindow } from './time-window.js';

describe('CountWindow', () => {
  it('keeps the last `size` outcomes', () => {
    const w = new CountWindow(3);
    expect(w.total()).toBe(0);
    w.add(true, false);
    w.add(false, true);
    w.add(false, false);
    expect([w.total(), w.failures, w.slow]).toEqual([3, 1, 1]);
    w.add(false, false); // evicts the failure
    expect([w.total(), w.failures, w.slow]).toEqual([3, 0, 1]);
    w.add(true, false); // evicts the slow one
    expect([w.total(), w.failures, w.slow]).toEqual([3, 1, 0]);
    w.reset();
    expect([w.total(), w.failures, w.slow]).toEqual([0, 0, 0]);
    w.add(false, false);
    expect([w.total(), w.failures]).toEqual([1, 0]);
  });

  it('matches a naive model (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.array(fc.tuple(fc.boolean(), fc.boolean()), { maxLength: 100 }),
        (size, outcomes) => {
          const w = new CountWindow(size);
          for (const [f, s] of outcomes) w.add(f, s);
          const last = outcomes.slice(-size);
          expect(w.total()).toBe(last.length);
          expect(w.failures).toBe(last.filter(([f]) => f).length);
          expect(w.slow).toBe(last.filter(([, s]) => s).length);
        },
      ),
    );
  });
});

describe('TimeWindow', () => {
  it('rotates buckets across boundaries', () => {
    const w = new TimeWindow(1_000, 4); // 250 ms buckets
    w.add(true, false, 0);
    w.add(false, false, 249);
    w.add(false, true, 250);
    expect(w.total(250)).toBe(3);
    expect(w.total(999)).toBe(3);
    expect(w.total(1_000)).toBe(1); // bucket [0, 250) dropped; [250, 500) remains
    expect(w.failures).toBe(0);
    expect(w.slow).toBe(1);
    expect(w.total(1_249)).toBe(1);
    expect(w.total(1_250)).toBe(0);
  });

  it('forgets everything after a long idle gap, in one pass', () => {
    const w = new TimeWindow(10_000, 10);
    for (let t = 0; t < 10_000; t += 100) w.add(t % 200 === 0, false, t);
    expect(w.total(9_999)).toBe(100);
    expect(w.failures).toBe(50);
    expect(w.total(1e12)).toBe(0);
    expect(w.failures).toBe(0);
    w.add(true, false, 1e12 + 5);
    expect(w.total(1e12 + 5)).toBe(1);
    expect(w.failures).toBe(1);
  });

  it('files outcomes from a clock that stepped back under the newest bucket', () => {
    const w = new TimeWindow(1_000, 10);
    w.add(false, false, 5_000);
    w.add(true, false, 4_000);
    expect(w.total(5_000)).toBe(2);
    expect(w.total(5_999)).toBe(2);
    expect(w.total(6_000)).toBe(0);
  });

  it('matches a naive model of bucketed time (property)', () => {
    const arb = fc.array(fc.tuple(fc.integer({ min: 0, max: 400 }), fc.boolean()), { maxLength: 80 });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 50 }), arb, (buckets, bucketMs, steps) => {
        const ms = buckets * bucketMs;
        const w = new TimeWindow(ms, buckets);
        const log: Array<{ slot: number; failure: boolean }> = [];
        let now = 0;
        for (const [dt, failure] of steps) {
          now += dt;
          w.add(failure, false, now);
          log.push({ slot: Math.floor(now / bucketMs), failure });
          const slot = Math.floor(now / bucketMs);
          const live = log.filter((e) => e.slot > slot - buckets);
          expect(w.total(now)).toBe(live.length);
          expect(w.failures).toBe(live.filter((e) => e.failure).length);
        }
      }),
    );
  });
});
