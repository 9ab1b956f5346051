import type { Clock } from '../clock.js';
import { ConfigError } from '../errors.js';
import {
  describeValue,
  checkOptions,
  checkInt,
  checkNumber,
  checkFunction,
  checkClock,
  checkOneOf,
  checkKnownKeys,
} from '../kernel/options.js';

/** How the limit follows the measured latency; see the package README for each. */
export type AdaptiveAlgorithm = 'gradient2' | 'vegas' | 'aimd';

/** Options of {@link adaptiveConcurrency}. */
export interface AdaptiveConcurrencyOptions {
  /** Default `'gradient2'`. */
  algorithm?: AdaptiveAlgorithm;
  /** Limit before any latency was measured; default 20, clamped into [minLimit, maxLimit]. */
  initialLimit?: number;
  /** The limit never goes below this; default 1. */
  minLimit?: number;
  /** The limit never goes above this; default 1000. */
  maxLimit?: number;
  /** Calls allowed to wait for a slot when the limit is reached; default 0 (reject at once). */
  maxQueue?: number;
  /**
   * gradient2: how far the average latency of a sample window may rise above the no-load latency
   * before the limit shrinks; default 1.25 (25 % queueing delay, as Envoy's default buffer; with the
   * √limit headroom the average settles near `tolerance × (1 + 1/√limit)` × the no-load latency).
   */
  tolerance?: number;
  /** gradient2: weight of each new estimate, 0 < smoothing ≤ 1; default 0.2. */
  smoothing?: number;
  /** aimd: factor applied to the limit on a drop, 0.5 ≤ backoffRatio < 1; default 0.9. */
  backoffRatio?: number;
  /** aimd: a call slower than this counts as a drop; default Infinity (only errors and timeouts drop). */
  dropLatencyMs?: number;
  /**
   * gradient2 and vegas: how long a no-load latency estimate is trusted before it is measured
   * again (for two sample windows at half the limit, so a standing queue drains); default 10 000.
   */
  baselineIntervalMs?: number;
  /** Samples a window needs before it updates the limit; default 10. */
  minWindowSamples?: number;
  /**
   * Whether a failed call is a drop (a sign of overload that lowers the limit). Default: every
   * error except Breakwater rejections from inner policies (bulkhead full, rate limited, breaker
   * open, ...), which are ignored; timeouts are always drops and cancelled calls are always ignored.
   * An error for which this returns false still feeds its latency as an ordinary sample.
   */
  isDrop?: (error: unknown) => boolean;
  clock?: Clock;
}

/** Options after validation, with defaults applied. */
export interface ResolvedAdaptiveOptions {
  algorithm: AdaptiveAlgorithm;
  initialLimit: number;
  minLimit: number;
  maxLimit: number;
  maxQueue: number;
  tolerance: number;
  smoothing: number;
  backoffRatio: number;
  dropLatencyMs: number;
  baselineIntervalMs: number;
  minWindowSamples: number;
  isDrop: ((error: unknown) => boolean) | undefined;
  clock: Clock | undefined;
}

const KEYS = [
  'algorithm',
  'initialLimit',
  'minLimit',
  'maxLimit',
  'maxQueue',
  'tolerance',
  'smoothing',
  'backoffRatio',
  'dropLatencyMs',
  'baselineIntervalMs',
  'minWindowSamples',
  'isDrop',
  'clock',
] as const;
const ALIASES = {
  limit: 'initialLimit',
  maxConcurrency: 'maxLimit',
  maxConcurrent: 'maxLimit',
  queueSize: 'maxQueue',
  timeoutMs: 'dropLatencyMs',
  rttTolerance: 'tolerance',
};
/** Options that only one algorithm reads: giving them with another is a mistake worth reporting. */
const ONLY_FOR: Partial<Record<(typeof KEYS)[number], AdaptiveAlgorithm[]>> = {
  tolerance: ['gradient2'],
  smoothing: ['gradient2'],
  backoffRatio: ['aimd'],
  dropLatencyMs: ['aimd'],
  baselineIntervalMs: ['gradient2', 'vegas'],
};
/** A limit this large is no limit; the bound keeps every size sane (issue 12.3). */
const MAX_LIMIT = 1_000_000;

/** Validates {@link AdaptiveConcurrencyOptions}; every problem is a ConfigError naming its field. */
export function resolveAdaptiveOptions(o: AdaptiveConcurrencyOptions | undefined): ResolvedAdaptiveOptions {
  const p = 'adaptiveConcurrency';
  checkOptions(p, o, false);
  checkKnownKeys(p, o, KEYS, ALIASES);
  const v = o ?? {};
  const algorithm = checkOneOf(`${p}.algorithm`, v.algorithm ?? 'gradient2', ['gradient2', 'vegas', 'aimd']);
  for (const [key, algorithms] of Object.entries(ONLY_FOR)) {
    if ((v as Record<string, unknown>)[key] !== undefined && !algorithms.includes(algorithm)) {
      throw new ConfigError(
        `${p}.${key}`,
        `applies only to algorithm ${algorithms.map((a) => `'${a}'`).join(' or ')}, not '${algorithm}'`,
      );
    }
  }
  const minLimit = checkIntMax(`${p}.minLimit`, v.minLimit ?? 1, 1);
  const maxLimit = checkIntMax(`${p}.maxLimit`, v.maxLimit ?? Math.max(1000, minLimit), 1);
  if (maxLimit < minLimit)
    throw new ConfigError(`${p}.maxLimit`, `expected an integer ≥ minLimit (${minLimit}), got ${maxLimit}`);
  const initialLimit =
    v.initialLimit === undefined
      ? Math.min(maxLimit, Math.max(minLimit, 20))
      : checkIntMax(`${p}.initialLimit`, v.initialLimit, minLimit, maxLimit);
  checkFunction(`${p}.isDrop`, v.isDrop);
  checkClock(`${p}.clock`, v.clock);
  return {
    algorithm,
    initialLimit,
    minLimit,
    maxLimit,
    maxQueue: checkIntMax(`${p}.maxQueue`, v.maxQueue ?? 0, 0),
    tolerance: checkNumber(`${p}.tolerance`, v.tolerance ?? 1.25, { min: 1, max: 100 }),
    smoothing: checkNumber(`${p}.smoothing`, v.smoothing ?? 0.2, { minExclusive: 0, max: 1 }),
    backoffRatio: checkBackoff(`${p}.backoffRatio`, v.backoffRatio ?? 0.9),
    dropLatencyMs: checkNumber(`${p}.dropLatencyMs`, v.dropLatencyMs ?? Infinity, {
      minExclusive: 0,
      allowInfinity: true,
    }),
    baselineIntervalMs: checkNumber(`${p}.baselineIntervalMs`, v.baselineIntervalMs ?? 10_000, {
      minExclusive: 0,
      max: 2 ** 31 - 1,
    }),
    minWindowSamples: checkIntMax(`${p}.minWindowSamples`, v.minWindowSamples ?? 10, 1, 100_000),
    isDrop: v.isDrop,
    clock: v.clock,
  };
}

function checkIntMax(path: string, v: unknown, min: number, max = MAX_LIMIT): number {
  const n = checkInt(path, v, min);
  if (n > max) throw new ConfigError(path, `expected an integer from ${min} to ${max}, got ${n}`);
  return n;
}

function checkBackoff(path: string, v: unknown): number {
  if (typeof v !== 'number' || !(v >= 0.5 && v < 1)) {
    throw new ConfigError(path, `expected a number ≥ 0.5 and < 1, got ${describeValue(v)}`);
  }
  return v;
}
