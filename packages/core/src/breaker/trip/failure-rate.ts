import { ConfigError } from '../../errors.js';
import type { Clock } from '../../clock.js';
import type { CallOutcome, TripEvaluator, TripOptions, TripStrategy } from '../types.js';
import { CountWindow } from '../windows/count-window.js';
import { TimeWindow } from '../windows/time-window.js';
import type { OutcomeWindow, SnapshotTime } from '../windows/types.js';
import { percent, slowCallReason } from './slow-call.js';
import {
  describeValue,
  checkObject,
  checkInt,
  checkCount,
  checkNumber,
  checkRatio,
  checkKnownKeys,
} from '../../kernel/options.js';

/** Options of {@link failureRate}. */
export interface FailureRateOptions {
  /** Trip when failures / calls ≥ threshold (0..1]. */
  threshold: number;
  /** Never trip on fewer calls than this in the window. */
  minimumRequests: number;
  /** The last `size` calls, or the calls of the last `ms` milliseconds in `buckets` buckets (default 10). */
  window: { kind: 'count'; size: number } | { kind: 'time'; ms: number; buckets?: number };
}

class FailureRateEvaluator implements TripEvaluator {
  constructor(
    private readonly window: OutcomeWindow,
    private readonly clock: Clock,
    private readonly threshold: number,
    private readonly minimum: number,
    private readonly slowThreshold: number | undefined,
  ) {}

  record(o: CallOutcome): string | undefined {
    const now = this.clock.now();
    const w = this.window;
    w.add(!o.success, o.slow, now);
    const total = w.total(now);
    if (total < this.minimum) return undefined;
    const rate = w.failures / total;
    if (rate >= this.threshold) return `failure rate ${percent(rate)} ≥ ${percent(this.threshold)} over ${total} calls`;
    return this.slowThreshold === undefined ? undefined : slowCallReason(w, total, this.slowThreshold, this.minimum);
  }

  failureRate(): number {
    const total = this.window.total(this.clock.now());
    return total === 0 ? 0 : this.window.failures / total;
  }

  windowSize(): number {
    return this.window.total(this.clock.now());
  }

  shouldTripOn(totals: { successes: number; failures: number; slowCalls: number }): boolean {
    const total = totals.successes + totals.failures;
    if (total < this.minimum || total === 0) return false;
    if (totals.failures / total >= this.threshold) return true;
    return this.slowThreshold !== undefined && totals.slowCalls / total >= this.slowThreshold;
  }

  reset(): void {
    this.window.reset();
  }

  exportState(time: SnapshotTime): unknown {
    return this.window.exportState(time);
  }

  importState(data: unknown, time: SnapshotTime): boolean {
    return this.window.importState(data, time);
  }

  inspect(): Record<string, unknown> {
    const total = this.windowSize();
    return {
      kind: 'failureRate',
      threshold: this.threshold,
      minimumRequests: this.minimum,
      calls: total,
      failures: this.window.failures,
      slowCalls: this.window.slow,
    };
  }
}

/**
 * Opens the breaker when the failure share of the window reaches `threshold` (≥) and the window
 * holds at least `minimumRequests` calls. A count window is a ring buffer of the last `size`
 * calls; a time window keeps the last `ms` milliseconds in `buckets` buckets rotated lazily on
 * access (no timers). With `slowCall`, slow successes trip on the same window and minimum.
 *
 * @example failureRate({ threshold: 0.5, minimumRequests: 20, window: { kind: 'time', ms: 10_000 } })
 */
export function failureRate(o: FailureRateOptions): TripStrategy {
  const opts = checkObject('failureRate', o, false)!;
  checkKnownKeys('failureRate', opts, ['threshold', 'minimumRequests', 'window']);
  const threshold = checkRatio('failureRate.threshold', opts['threshold']);
  const minimum = checkCount('failureRate.minimumRequests', opts['minimumRequests'], 1);
  const win = checkObject('failureRate.window', opts['window'], false)!;
  let make: () => OutcomeWindow;
  if (win['kind'] === 'count') {
    checkKnownKeys('failureRate.window', win, ['kind', 'size']);
    const size = checkCount('failureRate.window.size', win['size'], 1);
    if (minimum > size) {
      throw new ConfigError(
        'failureRate.minimumRequests',
        `expected at most window.size (${size}) or the breaker could never trip, got ${minimum}`,
      );
    }
    make = () => new CountWindow(size);
  } else if (win['kind'] === 'time') {
    checkKnownKeys('failureRate.window', win, ['kind', 'ms', 'buckets']);
    const ms = checkNumber('failureRate.window.ms', win['ms'], { minExclusive: 0 });
    const buckets =
      win['buckets'] === undefined ? 10 : checkInt('failureRate.window.buckets', win['buckets'], 1, 10_000);
    make = () => new TimeWindow(ms, buckets);
  } else {
    throw new ConfigError('failureRate.window.kind', `expected 'count' or 'time', got ${describeValue(win['kind'])}`);
  }
  return {
    name: 'failureRate',
    kind: 'failureRate',
    create: (clock: Clock, options?: TripOptions) =>
      new FailureRateEvaluator(make(), clock, threshold, minimum, options?.slowCallRateThreshold),
  };
}
