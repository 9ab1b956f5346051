import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { constantBackoff, exponentialBackoff } from './backoff.js';

describe('backoff', () => {
  it('exponential without jitter doubles from initialMs up to maxMs', () => {
    const b = exponentialBackoff({ initialMs: 100, maxMs: 1000, jitter: 'none' });
    expect([1, 2, 3, 4, 5, 50, 5000].map((n) => b.delayMs(n, undefined))).toEqual([
      100, 200, 400, 800, 1000, 1000, 1000,
    ]);
  });

  it('full jitter scales the exponential delay by random()', () => {
    const b = exponentialBackoff({ initialMs: 100, jitter: 'full', random: () => 0.5 });
    expect(b.delayMs(3, undefined)).toBe(200);
  });

  it('decorrelated jitter draws between initialMs and previous × (multiplier + 1)', () => {
    const b = exponentialBackoff({ initialMs: 100, maxMs: 10_000, jitter: 'decorrelated', random: () => 1 });
    expect(b.delayMs(1, undefined)).toBe(300);
    expect(b.delayMs(2, 300)).toBe(900);
    const low = exponentialBackoff({ initialMs: 100, jitter: 'decorrelated', random: () => 0 });
    expect(low.delayMs(5, 900)).toBe(100);
  });

  it('every strategy stays within [0, maxMs] and decorrelated within [initialMs, maxMs] (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1000 }),
        fc.integer({ min: 0, max: 100_000 }),
        fc.double({ min: 1, max: 10, noNaN: true }),
        fc.constantFrom('none' as const, 'full' as const, 'decorrelated' as const),
        fc.array(fc.double({ min: 0, max: 0.999999, noNaN: true }), { minLength: 1, maxLength: 30 }),
        (initialMs, extra, multiplier, jitter, randoms) => {
          const maxMs = initialMs + extra;
          let i = 0;
          const b = exponentialBackoff({
            initialMs,
            maxMs,
            multiplier,
            jitter,
            random: () => randoms[i++ % randoms.length]!,
          });
          let prev: number | undefined;
          for (let retry = 1; retry <= randoms.length; retry++) {
            const d = b.delayMs(retry, prev);
            expect(Number.isFinite(d)).toBe(true);
            expect(d).toBeGreaterThanOrEqual(jitter === 'decorrelated' ? initialMs : 0);
            expect(d).toBeLessThanOrEqual(maxMs);
            prev = d;
          }
        },
      ),
    );
  });

  it('constant backoff returns its delay', () => {
    expect(constantBackoff(250).delayMs(7, 250)).toBe(250);
  });

  it('validates its options', () => {
    expect(() => exponentialBackoff({ initialMs: -1 })).toThrow('exponentialBackoff.initialMs');
    expect(() => exponentialBackoff({ initialMs: 500, maxMs: 100 })).toThrow('exponentialBackoff.maxMs');
    expect(() => exponentialBackoff({ multiplier: 0.5 })).toThrow(
      'exponentialBackoff.multiplier: expected a finite number ≥ 1, got 0.5',
    );
    expect(() => exponentialBackoff({ jitter: 'some' as never })).toThrow(
      "exponentialBackoff.jitter: expected one of 'none', 'full', 'decorrelated', got \"some\"",
    );
    expect(() => constantBackoff(Number.NaN)).toThrow(ConfigError);
  });
});
