import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDuration } from './duration.js';
import { parsePercentage } from './percentage.js';

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['2m', 120_000],
    ['1h', 3_600_000],
    ['1d', 86_400_000],
    ['1m30s', 90_000],
    ['1.5s', 1_500],
    [' 10s ', 10_000],
    ['250', 250],
    [0, 0],
    [1234, 1234],
  ])('%s → %d ms', (input, ms) => {
    expect(parseDuration(input)).toBe(ms);
  });

  it.each(['soon', '', '-5s', '5 sec', 's', '1.s', '5mss', Number.NaN, -1, Number.POSITIVE_INFINITY, null, true, {}])(
    'rejects %s',
    (input) => {
      expect(parseDuration(input)).toBeUndefined();
    },
  );

  it('numbers of milliseconds and "<n>ms" agree', () => {
    fc.assert(
      fc.property(
        fc.nat(1e9),
        (n) => parseDuration(`${n}ms`) === n && parseDuration(n) === n && parseDuration(`${n}`) === n,
      ),
    );
  });
});

describe('parsePercentage', () => {
  it('accepts numbers 0..100 and "n%" strings', () => {
    expect(parsePercentage(50)).toBe(50);
    expect(parsePercentage('12.5 %')).toBe(12.5);
    expect(parsePercentage(0)).toBe(0);
    expect(parsePercentage(100)).toBe(100);
  });
  it.each([101, -1, '50', 'half', '150%', Number.NaN])('rejects %s', (input) => {
    expect(parsePercentage(input)).toBeUndefined();
  });
});
