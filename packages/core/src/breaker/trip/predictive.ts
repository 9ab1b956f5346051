import type { CallOutcome, TripEvaluator, TripOptions, TripStrategy } from '../types.js';
import { CountWindow } from '../windows/count-window.js';
import { LogisticModel } from './logistic-model.js';
import { slowCallReason } from './slow-call.js';
import { checkObject, checkCount, checkNumber, checkRatio, checkKnownKeys } from '../../kernel/options.js';

/** Options of {@link predictive}. */
export interface PredictiveOptions {
  /** Trip when the predicted failure probability of the next call is ≥ this. Default 0.7. */
  threshold?: number;
  /** Calls in the error-rate window. Default 100. */
  windowSize?: number;
  /** SGD step size. Default 0.1. */
  learningRate?: number;
  /** Outcomes observed (since the breaker last closed) before the model may trip. Default 20. */
  warmup?: number;
}

/** Feature names, in model order (after the bias). */
export const PREDICTIVE_FEATURES = ['errorRate', 'latency', 'latencyTrend', 'inFlight'] as const;

/** What `inspect()` returns for a predictive evaluator. */
export type PredictiveInspection = {
  kind: 'predictive';
  weights: { bias: number; errorRate: number; latency: number; latencyTrend: number; inFlight: number };
  samples: number;
  lastProbability: number;
  threshold: number;
  warmup: number;
  features: { errorRate: number; latency: number; latencyTrend: number; inFlight: number };
};

const FAST = 0.3;
const SLOW = 0.05;

/**
 * Features describe the state right after an outcome; the model learns to predict the *next*
 * outcome from them. All features are bounded so SGD steps stay bounded:
 * error rate of the window (0..1), last latency against its slow average `d / (d + slow)` (0..1,
 * 0.5 = typical), latency trend `(fast - slow) / (fast + slow)` (-1..1), in-flight share of the
 * highest concurrency seen (0..1).
 */
class PredictiveEvaluator implements TripEvaluator {
  readonly needsTiming = true;
  readonly model: LogisticModel;
  private readonly window: CountWindow;
  private readonly features = new Float64Array(4);
  private hasX = false;
  private fast = 0;
  private slow = 0;
  private peakInFlight = 1;
  private samples = 0;
  private lastP = 0;
  private readonly slowMinimum: number;

  constructor(
    private readonly threshold: number,
    private readonly warmup: number,
    windowSize: number,
    learningRate: number,
    private readonly slowThreshold: number | undefined,
  ) {
    this.model = new LogisticModel(4, learningRate);
    this.slowMinimum = Math.max(1, Math.min(warmup, windowSize));
    this.window = new CountWindow(windowSize);
  }

  record(o: CallOutcome): string | undefined {
    const failed = !o.success;
    if (this.hasX) this.model.learn(this.features, failed ? 1 : 0);
    this.observe(o);
    this.samples++;
    const p = (this.lastP = this.model.predict(this.features));
    if (this.samples < this.warmup) return undefined;
    if (p >= this.threshold) return `predicted failure probability ${p.toFixed(2)} ≥ ${this.threshold}`;
    const total = this.window.total();
    return this.slowThreshold === undefined
      ? undefined
      : slowCallReason(this.window, total, this.slowThreshold, this.slowMinimum);
  }

  failureRate(): number {
    const total = this.window.total();
    return total === 0 ? 0 : this.window.failures / total;
  }

  windowSize(): number {
    return this.window.total();
  }

  shouldTripOn(totals: { successes: number; failures: number; slowCalls: number }): boolean {
    // Fleet totals carry no latency features: fall back to the failure share against the threshold.
    const total = totals.successes + totals.failures;
    return total >= Math.max(1, this.warmup) && totals.failures / total >= this.threshold;
  }

  /** Clears the recent-history features; the learned weights are kept (they describe the dependency). */
  reset(): void {
    this.window.reset();
    this.hasX = false;
    this.fast = 0;
    this.slow = 0;
    this.samples = 0;
    this.lastP = 0;
  }

  /** The outcome window and the learned weights (the model describes the dependency). */
  exportState(): { window: number[]; weights: number[] } {
    return { window: this.window.exportState(), weights: Array.from(this.model.weights) };
  }

  importState(data: unknown): boolean {
    const d = data as { window?: unknown; weights?: unknown } | null;
    if (
      typeof d !== 'object' ||
      d === null ||
      !Array.isArray(d.weights) ||
      d.weights.length !== this.model.weights.length
    )
      return false;
    if (!d.weights.every((w) => typeof w === 'number' && Number.isFinite(w))) return false;
    if (!this.window.importState(d.window)) return false;
    this.model.weights.set(d.weights as number[]);
    return true;
  }

  inspect(): PredictiveInspection {
    const w = this.model.weights;
    const x = this.features;
    return {
      kind: 'predictive',
      weights: { bias: w[0]!, errorRate: w[1]!, latency: w[2]!, latencyTrend: w[3]!, inFlight: w[4]! },
      samples: this.samples,
      lastProbability: this.lastP,
      threshold: this.threshold,
      warmup: this.warmup,
      features: { errorRate: x[0]!, latency: x[1]!, latencyTrend: x[2]!, inFlight: x[3]! },
    };
  }

  private observe(o: CallOutcome): void {
    const d = Math.max(0, o.durationMs);
    this.window.add(!o.success, o.slow);
    if (this.slow === 0 && this.fast === 0) {
      this.fast = d;
      this.slow = d;
    } else {
      this.fast += FAST * (d - this.fast);
      this.slow += SLOW * (d - this.slow);
    }
    if (o.inFlight > this.peakInFlight) this.peakInFlight = o.inFlight;
    const total = this.window.total();
    const x = this.features;
    x[0] = total === 0 ? 0 : this.window.failures / total;
    x[1] = d + this.slow === 0 ? 0.5 : d / (d + this.slow);
    x[2] = this.fast + this.slow === 0 ? 0 : (this.fast - this.slow) / (this.fast + this.slow);
    x[3] = o.inFlight / this.peakInFlight;
    this.hasX = true;
  }
}

/** A predictive strategy; `inspect()` shows the model of the breaker that created an evaluator last. */
export interface PredictiveStrategy extends TripStrategy {
  inspect(): PredictiveInspection | undefined;
  /**
   * The learned weights of the breaker that created an evaluator last (all 0 before any did):
   * `inspect().weights` without the rest.
   */
  readonly weights: PredictiveInspection['weights'];
}

/**
 * Trips on a forecast instead of a count: an online logistic regression (SGD, stable sigmoid)
 * over recent features — window error rate, normalised latency, latency trend, in-flight share —
 * learns from every outcome to predict whether the next call fails, and opens the breaker when
 * that probability reaches `threshold` after `warmup` outcomes. Rising latency before errors
 * appear therefore opens it earlier than a plain failure rate would.
 *
 * Inspect the model with `breaker.inspectTrip()` (per breaker), or `strategy.inspect()` /
 * `strategy.weights` (the latest breaker created from this strategy value).
 *
 * @example circuitBreaker({ name: 'search', trip: predictive({ threshold: 0.8, warmup: 50 }) })
 */
export function predictive(o: PredictiveOptions = {}): PredictiveStrategy {
  const opts = checkObject('predictive', o, false)!;
  checkKnownKeys('predictive', opts, ['threshold', 'windowSize', 'learningRate', 'warmup']);
  const threshold = opts['threshold'] === undefined ? 0.7 : checkRatio('predictive.threshold', opts['threshold']);
  const windowSize =
    opts['windowSize'] === undefined ? 100 : checkCount('predictive.windowSize', opts['windowSize'], 1);
  const learningRate =
    opts['learningRate'] === undefined
      ? 0.1
      : checkNumber('predictive.learningRate', opts['learningRate'], { minExclusive: 0 });
  const warmup = opts['warmup'] === undefined ? 20 : checkCount('predictive.warmup', opts['warmup'], 0);
  let latest: PredictiveEvaluator | undefined;
  return {
    name: 'predictive',
    kind: 'predictive',
    create: (_clock, options?: TripOptions) => {
      latest = new PredictiveEvaluator(threshold, warmup, windowSize, learningRate, options?.slowCallRateThreshold);
      return latest;
    },
    inspect: () => latest?.inspect(),
    get weights() {
      return latest?.inspect().weights ?? { bias: 0, errorRate: 0, latency: 0, latencyTrend: 0, inFlight: 0 };
    },
  };
}
