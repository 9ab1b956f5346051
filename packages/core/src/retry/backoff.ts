import { ConfigError } from '../errors.js';
import { checkOptions, checkNumber, checkFunction, checkOneOf, checkKnownKeys } from '../kernel/options.js';

/**
 * Computes the wait before a retry. Stateless: what a strategy needs from the previous step is
 * passed in, so one Backoff value can serve any number of concurrent calls.
 */
export interface Backoff {
  /**
   * Milliseconds to wait before retry number `retry` (1 = first retry). `previousMs` is the delay
   * used before the previous retry (undefined before the first); decorrelated jitter grows from it.
   */
  delayMs(retry: number, previousMs: number | undefined): number;
}

/** Jitter modes for {@link exponentialBackoff}. */
export type Jitter = 'none' | 'full' | 'decorrelated';

/** Options of {@link exponentialBackoff}. */
export interface ExponentialBackoffOptions {
  /** First delay (before jitter), default 100. */
  initialMs?: number;
  /** Upper bound of any delay, default 10_000. */
  maxMs?: number;
  /** Growth factor per retry, default 2. */
  multiplier?: number;
  /**
   * Default 'full'. 'none': initialMs × multiplier^(retry-1). 'full': uniform in [0, that].
   * 'decorrelated' (AWS): uniform in [initialMs, previous × (multiplier + 1)].
   * All capped at maxMs.
   */
  jitter?: Jitter;
  /** Source of randomness in [0, 1); inject a fixed sequence in tests. Default Math.random. */
  random?: () => number;
}

class ExponentialBackoff implements Backoff {
  constructor(
    private readonly initialMs: number,
    private readonly maxMs: number,
    private readonly multiplier: number,
    private readonly jitter: Jitter,
    private readonly random: () => number,
  ) {}

  delayMs(retry: number, previousMs: number | undefined): number {
    if (this.jitter === 'decorrelated') {
      const prev = previousMs === undefined ? this.initialMs : Math.max(previousMs, this.initialMs);
      const upper = Math.min(this.maxMs, prev * (this.multiplier + 1));
      const lower = Math.min(this.initialMs, upper);
      return Math.min(this.maxMs, lower + this.random() * (upper - lower));
    }
    // Clamp the exponent so huge retry numbers cannot overflow to Infinity·0 = NaN.
    const base = Math.min(
      this.maxMs,
      this.initialMs * Math.pow(this.multiplier, Math.min(Math.max(retry - 1, 0), 1024)),
    );
    const capped = Number.isFinite(base) ? base : this.maxMs;
    return this.jitter === 'full' ? this.random() * capped : capped;
  }
}

/** Exponential backoff with optional jitter (AWS "Exponential Backoff And Jitter"). */
export function exponentialBackoff(o: ExponentialBackoffOptions = {}): Backoff {
  checkOptions('exponentialBackoff', o, false);
  checkKnownKeys('exponentialBackoff', o, ['initialMs', 'maxMs', 'multiplier', 'jitter', 'random'], {
    initialDelay: 'initialMs',
    initialDelayMs: 'initialMs',
    maxDelay: 'maxMs',
    maxDelayMs: 'maxMs',
    factor: 'multiplier',
    exponent: 'multiplier',
  });
  const initialMs = checkNumber('exponentialBackoff.initialMs', o.initialMs ?? 100, { min: 0 });
  const maxMs = checkNumber('exponentialBackoff.maxMs', o.maxMs ?? 10_000, { min: 0 });
  const multiplier = checkNumber('exponentialBackoff.multiplier', o.multiplier ?? 2, { min: 1 });
  if (maxMs < initialMs) {
    throw new ConfigError('exponentialBackoff.maxMs', `expected a number ≥ initialMs (${initialMs}), got ${maxMs}`);
  }
  const jitter = checkOneOf('exponentialBackoff.jitter', o.jitter ?? 'full', ['none', 'full', 'decorrelated'] as const);
  checkFunction('exponentialBackoff.random', o.random);
  return new ExponentialBackoff(initialMs, maxMs, multiplier, jitter, o.random ?? Math.random);
}

class ConstantBackoff implements Backoff {
  constructor(private readonly ms: number) {}
  delayMs(): number {
    return this.ms;
  }
}

/** The same delay before every retry. `constantBackoff(0)` retries at once. */
export function constantBackoff(ms: number): Backoff {
  return new ConstantBackoff(checkNumber('constantBackoff.ms', ms, { min: 0 }));
}
