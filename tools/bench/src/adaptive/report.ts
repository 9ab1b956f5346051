import type { Completion, SimResult } from './sim.js';

/** Goodput (calls completed in time per second) and p99 latency over [fromMs, toMs). */
export interface Slice {
  goodput: number;
  p99: number;
  count: number;
}

export function quantile(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
}

export function slice(completions: readonly Completion[], fromMs: number, toMs: number): Slice {
  const lat: number[] = [];
  for (const c of completions) if (c.at >= fromMs && c.at < toMs) lat.push(c.latencyMs);
  return { goodput: (lat.length * 1000) / (toMs - fromMs), p99: quantile(lat, 0.99), count: lat.length };
}

/**
 * Time after `changeAtMs` from which every `bucketMs` bucket up to `endMs` has goodput ≥
 * `minGoodput` and p99 ≤ `maxP99` — i.e. when the limiter settled for good — or undefined when the
 * last bucket still misses.
 */
export function convergedAfter(
  r: SimResult,
  changeAtMs: number,
  endMs: number,
  bucketMs: number,
  minGoodput: number,
  maxP99: number,
): number | undefined {
  let firstGood: number | undefined;
  for (let t = changeAtMs; t + bucketMs <= endMs; t += bucketMs) {
    const s = slice(r.completions, t, t + bucketMs);
    const good = s.goodput >= minGoodput && s.p99 <= maxP99;
    if (good && firstGood === undefined) firstGood = t;
    if (!good) firstGood = undefined;
  }
  return firstGood === undefined ? undefined : firstGood - changeAtMs;
}

/** The limit in force at `atMs` from a limitChange trace (undefined when it never changed). */
export function limitAt(trace: ReadonlyArray<[number, number]>, atMs: number): number | undefined {
  let v: number | undefined;
  for (const [t, l] of trace) {
    if (t > atMs) break;
    v = l;
  }
  return v;
}

export const fmt = (x: number | undefined, d = 0): string =>
  x === undefined || !Number.isFinite(x) ? 'n/a' : x.toFixed(d);
