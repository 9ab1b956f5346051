import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseRetryAfter } from './retry-after.js';

describe('parseRetryAfter', () => {
  const now = Date.parse('2025-01-01T00:00:00Z');

  it('parses delta-seconds', () => {
    expect(parseRetryAfter('1', now)).toBe(1000);
    expect(parseRetryAfter(' 120 ', now)).toBe(120_000);
    expect(parseRetryAfter('0', now)).toBe(0);
    expect(parseRetryAfter('1.5', now)).toBe(1500);
    expect(parseRetryAfter(['2', '9'], now)).toBe(2000);
    expect(parseRetryAfter(3, now)).toBe(3000);
  });

  it('parses HTTP-dates relative to now, clamping the past to 0', () => {
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('Tue, 31 Dec 2024 23:00:00 GMT', now)).toBe(0);
  });

  it('caps at maxMs', () => {
    expect(parseRetryAfter('3600', now, 2000)).toBe(2000);
    expect(parseRetryAfter('Wed, 01 Jan 2025 01:00:00 GMT', now, 50)).toBe(50);
  });

  it('ignores malformed values', () => {
    for (const v of [
      '',
      'soon',
      '-1',
      '1e3',
      'NaN',
      'Infinity',
      '12abc',
      'Mon, 99 Foo 2025 99:99:99 GMT',
      '2 3',
      undefined,
      null,
      {},
      [],
      true,
    ]) {
      expect(parseRetryAfter(v, now)).toBeUndefined();
    }
    expect(parseRetryAfter('9'.repeat(100), now)).toBeUndefined();
  });

  it('never throws and returns a finite non-negative number or undefined (property)', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.integer(), fc.double(), fc.constant(undefined), fc.array(fc.string())),
        fc.option(fc.nat()),
        (v, max) => {
          const r = parseRetryAfter(v, now, max ?? undefined);
          if (r === undefined) return true;
          return Number.isFinite(r) && r >= 0 && (max === null || r <= max);
        },
      ),
    );
  });
});
