import type { Sample } from './loadgen.js';

/** Quantile q (0..1) by nearest rank; undefined for no values. */
export function percentile(values: ReadonlyArray<number>, q: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/** Share of successful samples per region (0..1). */
export function regionShare(samples: ReadonlyArray<Sample>, regions: ReadonlyArray<string>): Record<string, number> {
  const ok = samples.filter((s) => s.ok && s.region !== undefined);
  const out: Record<string, number> = {};
  for (const r of regions) out[r] = ok.length === 0 ? 0 : ok.filter((s) => s.region === r).length / ok.length;
  return out;
}

/**
 * How long after `from` the traffic settled on `region`: the start of the earliest `bucketMs`
 * bucket from which every later bucket (with any successful sample, up to `to`) has at least
 * `threshold` of its successful samples served by `region`. Undefined if it never settles.
 */
export function timeToShare(
  samples: ReadonlyArray<Sample>,
  from: number,
  to: number,
  region: string,
  threshold: number,
  bucketMs = 100,
): number | undefined {
  const n = Math.ceil((to - from) / bucketMs);
  const hit = new Array<number>(n).fill(0);
  const all = new Array<number>(n).fill(0);
  for (const s of samples) {
    if (s.t < from || s.t >= to || !s.ok) continue;
    const b = Math.floor((s.t - from) / bucketMs);
    all[b] = (all[b] as number) + 1;
    if (s.region === region) hit[b] = (hit[b] as number) + 1;
  }
  let settled: number | undefined;
  for (let b = n - 1; b >= 0; b--) {
    if (all[b] === 0) continue;
    if ((hit[b] as number) / (all[b] as number) >= threshold) settled = b;
    else break;
  }
  return settled === undefined ? undefined : settled * bucketMs;
}

/** Per-phase client-side numbers. */
export interface PhaseNumbers {
  requests: number;
  errors: number;
  errorRate: number;
  p50Ms: number | undefined;
  p99Ms: number | undefined;
  share: Record<string, number>;
  /** Client-visible errors by code (`BW_TIMEOUT`, `HTTP_503`, `TimeoutError`, …). */
  errorCodes: Record<string, number>;
}

/** Requests, client-visible errors, latency percentiles and region split of a set of samples. */
export function phaseNumbers(samples: ReadonlyArray<Sample>, regions: ReadonlyArray<string>): PhaseNumbers {
  const errors = samples.filter((s) => !s.ok).length;
  const ms = samples.map((s) => s.ms);
  const round = (v: number | undefined): number | undefined => (v === undefined ? undefined : Math.round(v * 10) / 10);
  return {
    requests: samples.length,
    errors,
    errorRate: samples.length === 0 ? 0 : errors / samples.length,
    p50Ms: round(percentile(ms, 0.5)),
    p99Ms: round(percentile(ms, 0.99)),
    share: regionShare(samples, regions),
    errorCodes: samples.reduce<Record<string, number>>((acc, s) => {
      if (!s.ok) acc[s.code ?? 'unknown'] = (acc[s.code ?? 'unknown'] ?? 0) + 1;
      return acc;
    }, {}),
  };
}

/** The most gateways that were half-open at the same time for one breaker (1 = no herd of probers). */
export function maxConcurrentHalfOpen(
  events: ReadonlyArray<{ gateway: string; name: string; to: string; from: string; at: number }>,
  names: ReadonlyArray<string>,
): number {
  let max = 0;
  for (const name of names) {
    const points = events
      .filter((e) => e.name === name && (e.to === 'half-open' || e.from === 'half-open'))
      .map((e) => ({ at: e.at, d: e.to === 'half-open' ? 1 : -1 }))
      .sort((a, b) => a.at - b.at || a.d - b.d);
    let cur = 0;
    for (const p of points) {
      cur = Math.max(0, cur + p.d);
      max = Math.max(max, cur);
    }
  }
  return max;
}
