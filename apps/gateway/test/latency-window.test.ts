import { describe, expect, it } from 'vitest';
import { LatencyWindow } from '../src/latency-window.js';

describe('LatencyWindow', () => {
  it('reports quantiles of recent samples only, and when the last one was taken', () => {
    let now = 1_000;
    const w = new LatencyWindow(8, () => now);
    expect(w.quantile(0.99)).toBeUndefined();
    expect(w.lastAt).toBeUndefined();
    w.add(400);
    now = 5_000;
    w.add(10);
    w.add(20);
    expect(w.quantile(0.99)).toBe(400);
    expect(w.quantile(0.99, 2_000)).toBe(20);
    expect(w.lastAt).toBe(5_000);
    now = 20_000; // a dead endpoint: no new samples, so no current p99
    expect(w.quantile(0.99, 10_000)).toBeUndefined();
    for (let i = 0; i < 20; i++) w.add(i); // ring buffer keeps the last 8
    expect(w.quantile(0)).toBe(12);
  });
});
