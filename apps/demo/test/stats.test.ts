import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Sample } from '../src/loadgen.js';
import { maxConcurrentHalfOpen, percentile, phaseNumbers, timeToShare } from '../src/stats.js';
import { checkLines, phaseTable } from '../src/report.js';

const s = (t: number, region: string | undefined, ok = true, ms = 10): Sample => ({
  t,
  ms,
  ok,
  status: ok ? 200 : 503,
  region,
  gateway: 'gw-a',
  via: '/api/work',
  ...(ok ? {} : { code: 'HTTP_503' }),
});

describe('percentile', () => {
  it('uses nearest rank', () => {
    expect(percentile([], 0.5)).toBeUndefined();
    expect(percentile([5], 0.99)).toBe(5);
    expect(
      percentile(
        Array.from({ length: 100 }, (_, i) => i + 1),
        0.99,
      ),
    ).toBe(99);
    expect(percentile([3, 1, 2], 0.5)).toBe(2);
  });

  it('is always one of the values and monotone in q', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 1 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (xs, a, b) => {
          const [lo, hi] = a <= b ? [a, b] : [b, a];
          expect(xs).toContain(percentile(xs, lo));
          expect(percentile(xs, lo)!).toBeLessThanOrEqual(percentile(xs, hi)!);
        },
      ),
    );
  });
});

describe('timeToShare', () => {
  it('finds the bucket from which every later bucket is on the region', () => {
    const samples = [s(0, 'eu'), s(50, 'eu'), s(120, 'us'), s(150, 'eu'), s(220, 'us'), s(350, 'us'), s(480, 'us')];
    expect(timeToShare(samples, 0, 500, 'us', 0.99)).toBe(200);
    expect(timeToShare(samples, 0, 500, 'us', 0.5)).toBe(100);
    expect(timeToShare(samples, 0, 500, 'eu', 0.99)).toBeUndefined();
  });

  it('ignores failed samples and empty buckets', () => {
    const samples = [s(10, 'us'), s(150, undefined, false), s(420, 'us')];
    expect(timeToShare(samples, 0, 500, 'us', 0.99)).toBe(0);
  });
});

describe('phaseNumbers', () => {
  it('counts errors by code and shares over successes only', () => {
    const n = phaseNumbers([s(0, 'eu'), s(1, 'us'), s(2, 'us'), s(3, undefined, false)], ['eu', 'us']);
    expect(n).toMatchObject({ requests: 4, errors: 1, errorRate: 0.25, errorCodes: { HTTP_503: 1 } });
    expect(n.share['us']).toBeCloseTo(2 / 3);
  });
});

describe('maxConcurrentHalfOpen', () => {
  const e = (gateway: string, from: string, to: string, at: number) => ({
    gateway,
    name: 'replicas/eu-1',
    from,
    to,
    at,
  });
  it('counts overlapping half-open periods across pods', () => {
    expect(
      maxConcurrentHalfOpen(
        [
          e('a', 'open', 'half-open', 0),
          e('a', 'half-open', 'closed', 10),
          e('b', 'open', 'half-open', 20),
          e('b', 'half-open', 'closed', 30),
        ],
        ['replicas/eu-1'],
      ),
    ).toBe(1);
    expect(
      maxConcurrentHalfOpen(
        [
          e('a', 'open', 'half-open', 0),
          e('b', 'open', 'half-open', 5),
          e('a', 'half-open', 'closed', 10),
          e('b', 'half-open', 'open', 12),
        ],
        ['replicas/eu-1'],
      ),
    ).toBe(2);
  });
});

describe('report', () => {
  it('prints one row per phase and pass/fail lines', () => {
    const table = phaseTable(
      [
        {
          name: 'steady',
          description: '',
          startedAt: 0,
          durationMs: 1,
          breakers: { 'gw-a': { closed: 6 } },
          ...phaseNumbers([s(0, 'eu')], ['eu', 'us']),
        },
      ],
      ['eu', 'us'],
    );
    expect(table).toMatch(/steady\s+1\s+0 \(0\.0%\)/);
    expect(table).toContain('gw-a: 6 closed');
    expect(checkLines([{ name: 'x', pass: false, value: 0.5, limit: '≤ 0.1' }])).toBe('FAIL  x: 0.5 (≤ 0.1)');
  });
});
