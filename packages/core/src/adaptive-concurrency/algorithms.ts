import type { AdaptiveAlgorithm, ResolvedAdaptiveOptions } from './options.js';

/** What one closed sample window measured. */
export interface WindowStats {
  /** Average latency of the window's non-drop samples (ms), or undefined when every sample was a drop. */
  readonly rttMs: number | undefined;
  /** Samples in the window, drops included. */
  readonly samples: number;
  /** Drops (errors, timeouts, calls slower than `dropLatencyMs`). */
  readonly drops: number;
  /** Most calls in flight at once during the window. */
  readonly maxInFlight: number;
}

/**
 * One limit algorithm: the next (unclamped, fractional) limit estimate from the current one, a
 * closed window and the no-load latency estimate. Pure: no clock, no state beyond its options.
 */
export interface LimitAlgorithm {
  /** True when the algorithm compares latency with a no-load baseline (gradient2, vegas). */
  readonly usesBaseline: boolean;
  next(limit: number, w: WindowStats, baselineMs: number | undefined): number;
}

/**
 * Growth is refused while the window never used half the limit: a client that sends little
 * traffic learns nothing about the upstream's capacity, and an unused limit would only grow
 * without bound (the "app-limited" guard of TCP and of Netflix's limits).
 */
function guardGrowth(limit: number, target: number, w: WindowStats): number {
  return target > limit && w.maxInFlight * 2 < limit ? limit : target;
}

/**
 * gradient2 — the limit moves by the ratio of tolerated to measured latency:
 * `target = limit × clamp(tolerance × baseline / rtt, 0.5, 1) + √limit`, smoothed by `smoothing`.
 * The √limit headroom lets the limit grow while there is no queueing; at equilibrium the latency
 * sits a little under `tolerance × baseline`. A window with drops applies the floor gradient 0.5.
 */
export function gradient2(o: Pick<ResolvedAdaptiveOptions, 'tolerance' | 'smoothing'>): LimitAlgorithm {
  const { tolerance, smoothing } = o;
  return {
    usesBaseline: true,
    next(limit, w, baselineMs) {
      if (w.drops > 0) return limit * (1 - smoothing) + smoothing * limit * 0.5;
      if (w.rttMs === undefined || baselineMs === undefined) return limit;
      const gradient = Math.max(0.5, Math.min(1, (tolerance * baselineMs) / w.rttMs));
      const target = limit * gradient + Math.sqrt(limit);
      return guardGrowth(limit, limit * (1 - smoothing) + smoothing * target, w);
    },
  };
}

/**
 * vegas — estimates the upstream's queue as `limit × (1 − baseline / rtt)` and keeps it between
 * α = 3·log10(limit) and β = 6·log10(limit): no queue (≤ log10(limit)) grows by β, a short one by
 * log10(limit), a long one shrinks by log10(limit); a window with drops shrinks by log10(limit).
 */
export function vegas(): LimitAlgorithm {
  return {
    usesBaseline: true,
    next(limit, w, baselineMs) {
      const step = Math.max(1, Math.log10(limit));
      if (w.drops > 0) return limit - step;
      if (w.rttMs === undefined || baselineMs === undefined) return limit;
      const queue = Math.max(0, limit * (1 - baselineMs / w.rttMs));
      let target: number;
      if (queue <= step) target = limit + 6 * step;
      else if (queue < 3 * step) target = limit + step;
      else if (queue > 6 * step) target = limit - step;
      else return limit;
      return guardGrowth(limit, target, w);
    },
  };
}

/**
 * aimd — additive increase, multiplicative decrease on drops only (errors, timeouts, calls slower
 * than `dropLatencyMs`): +1 per window that used at least half the limit, × `backoffRatio` per
 * window with a drop. Blind to queueing until it causes drops.
 */
export function aimd(o: Pick<ResolvedAdaptiveOptions, 'backoffRatio'>): LimitAlgorithm {
  const { backoffRatio } = o;
  return {
    usesBaseline: false,
    next(limit, w) {
      if (w.drops > 0) return limit * backoffRatio;
      return guardGrowth(limit, limit + 1, w);
    },
  };
}

/** The algorithm named in the options. */
export function algorithmFor(o: ResolvedAdaptiveOptions): LimitAlgorithm {
  const byName: Record<AdaptiveAlgorithm, () => LimitAlgorithm> = {
    gradient2: () => gradient2(o),
    vegas: () => vegas(),
    aimd: () => aimd(o),
  };
  return byName[o.algorithm]();
}
