import { describe, expect, it } from 'vitest';
import { aimd, gradient2, vegas, type WindowStats } from './algorithms.js';
import { BaselineRtt, PROBE_WINDOWS } from './sample-window.js';

const busy = (rttMs: number | undefined, o: Partial<WindowStats> = {}): WindowStats => ({
  rttMs,
  samples: 20,
  drops: 0,
  maxInFlight: 100,
  ...o,
});

describe('gradient2', () => {
  const g = gradient2({ tolerance: 1.25, smoothing: 0.2 });
  it('grows by the √limit headroom while latency is at the baseline', () => {
    expect(g.next(64, busy(10), 10)).toBeCloseTo(64 + 0.2 * 8);
  });
  it('shrinks in proportion when latency is above tolerance × baseline, at most by half per window before smoothing', () => {
    // gradient = 1.25 × 10 / 25 = 0.5 → target 64 × 0.5 + 8 = 40 → smoothed 64 × 0.8 + 40 × 0.2
    expect(g.next(64, busy(25), 10)).toBeCloseTo(59.2);
    expect(g.next(64, busy(1000), 10)).toBeCloseTo(59.2);
  });
  it('does not grow while the window used less than half the limit (app-limited), but may shrink', () => {
    expect(g.next(64, busy(10, { maxInFlight: 31 }), 10)).toBe(64);
    expect(g.next(64, busy(25, { maxInFlight: 31 }), 10)).toBeLessThan(64);
  });
  it('a window with drops applies the floor gradient', () => {
    expect(g.next(100, busy(10, { drops: 1 }), 10)).toBeCloseTo(90);
  });
  it('holds without a baseline or without non-drop samples', () => {
    expect(g.next(50, busy(10), undefined)).toBe(50);
    expect(g.next(50, busy(undefined), 10)).toBe(50);
  });
});

describe('vegas', () => {
  const v = vegas();
  it('keeps the estimated queue between 3·log10 and 6·log10 of the limit', () => {
    // limit 100: step = log10(100) = 2, α = 6, β = 12; estimated queue = 100 × (1 − 10 / rtt)
    expect(v.next(100, busy(10), 10)).toBe(112); // no queue: + β
    expect(v.next(100, busy(10 / 0.96), 10)).toBeCloseTo(102); // queue 4 < α: + step
    expect(v.next(100, busy(10 / 0.92), 10)).toBe(100); // α ≤ queue 8 ≤ β: hold
    expect(v.next(100, busy(12.5), 10)).toBe(98); // queue 20 > β: − step
    expect(v.next(100, busy(10, { drops: 1 }), 10)).toBe(98); // drop: − step
    expect(v.next(100, busy(10, { maxInFlight: 40 }), 10)).toBe(100); // app-limited: no growth
  });
});

describe('aimd', () => {
  const a = aimd({ backoffRatio: 0.9 });
  it('adds one per busy window and multiplies by backoffRatio on a drop', () => {
    expect(a.next(10, busy(10), undefined)).toBe(11);
    expect(a.next(10, busy(10, { maxInFlight: 4 }), undefined)).toBe(10);
    expect(a.next(10, busy(10, { drops: 2 }), undefined)).toBe(9);
  });
});

describe('baseline (no-load latency)', () => {
  it('is measured at start, follows the lowest window, is re-measured every interval and rebased when stuck at the minimum', () => {
    const b = new BaselineRtt(1000);
    expect(b.probing).toBe(true);
    expect(b.halving).toBe(false);
    for (let i = 1; i < PROBE_WINDOWS; i++) expect(b.observe(12, i, false)).toBe('none');
    expect(b.observe(10, 20, false)).toBe('probe-end');
    expect(b.value).toBe(10);
    expect(b.observe(8, 40, false)).toBe('none');
    expect(b.value).toBe(8);
    expect(b.observe(30, 1020, false)).toBe('probe-start');
    expect([b.probing, b.halving]).toEqual([true, true]);
    for (let i = 1; i < PROBE_WINDOWS; i++) b.observe(25, 1020 + i, false);
    expect(b.observe(11, 1040, false)).toBe('probe-end');
    expect([b.value, b.halving]).toEqual([11, false]);
    for (let i = 0; i < 4; i++) expect(b.observe(40, 1100 + i, true)).toBe('none');
    expect(b.observe(40, 1200, true)).toBe('rebased');
    expect(b.value).toBe(40);
  });
});
