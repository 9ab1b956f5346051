import { systemClock, type Clock } from '../clock.js';
import { checkOptions, checkNumber, checkClock, checkKnownKeys } from '../kernel/options.js';

/**
 * Caps retries fleet-of-calls-wide (Finagle / Envoy retry budgets): retries are allowed while
 * `retries ≤ ratio × requests + minRetriesPerSecond × windowSeconds` over the sliding window.
 * Share one budget between the retry policies that call the same downstream, so a failing
 * dependency sees at most ~ratio extra load instead of maxAttempts ×.
 */
export interface RetryBudget {
  /** Counts one logical call (its first attempt). */
  recordRequest(): void;
  /** Takes one retry from the budget; false when it is spent (the retry must not happen). */
  tryRetry(): boolean;
  /** Current window totals and how many retries could be taken now. */
  stats(): { requests: number; retries: number; available: number };
}

/** Options of {@link retryBudget}. */
export interface RetryBudgetOptions {
  /** Retries allowed per request over the window, default 0.2. */
  ratio?: number;
  /** Retries always allowed per second regardless of traffic, default 10. */
  minRetriesPerSecond?: number;
  /** Sliding window, default 10_000. */
  windowMs?: number;
  clock?: Clock;
}

const BUCKETS = 10;
const mod = (n: number): number => ((n % BUCKETS) + BUCKETS) % BUCKETS;

/** Counts in `BUCKETS` slices of the window, rotated lazily on access (no timers). */
class SlidingRetryBudget implements RetryBudget {
  private readonly requests = new Float64Array(BUCKETS);
  private readonly retries = new Float64Array(BUCKETS);
  private totalRequests = 0;
  private totalRetries = 0;
  private epoch: number;
  private readonly bucketMs: number;
  private readonly reserve: number;

  constructor(
    private readonly ratio: number,
    minRetriesPerSecond: number,
    windowMs: number,
    private readonly clock: Clock,
  ) {
    this.bucketMs = windowMs / BUCKETS;
    this.reserve = minRetriesPerSecond * (windowMs / 1000);
    this.epoch = Math.floor(clock.now() / this.bucketMs);
  }

  recordRequest(): void {
    const i = this.rotate();
    this.requests[i]! += 1;
    this.totalRequests += 1;
  }

  tryRetry(): boolean {
    const i = this.rotate();
    if (this.totalRetries + 1 > this.ratio * this.totalRequests + this.reserve) return false;
    this.retries[i]! += 1;
    this.totalRetries += 1;
    return true;
  }

  stats(): { requests: number; retries: number; available: number } {
    this.rotate();
    const available = Math.max(0, Math.floor(this.ratio * this.totalRequests + this.reserve - this.totalRetries));
    return { requests: this.totalRequests, retries: this.totalRetries, available };
  }

  /** Clears the buckets that fell out of the window since the last access; returns the current one. */
  private rotate(): number {
    const now = Math.floor(this.clock.now() / this.bucketMs);
    const steps = now - this.epoch;
    if (steps > 0) {
      const n = Math.min(steps, BUCKETS);
      for (let k = 1; k <= n; k++) {
        const i = mod(this.epoch + k);
        this.totalRequests -= this.requests[i]!;
        this.totalRetries -= this.retries[i]!;
        this.requests[i] = 0;
        this.retries[i] = 0;
      }
      this.epoch = now;
    }
    return mod(now);
  }
}

/** A retry budget over a sliding window; see {@link RetryBudget}. */
export function retryBudget(o: RetryBudgetOptions = {}): RetryBudget {
  checkOptions('retryBudget', o, false);
  checkKnownKeys('retryBudget', o, ['ratio', 'minRetriesPerSecond', 'windowMs', 'clock']);
  const ratio = checkNumber('retryBudget.ratio', o.ratio ?? 0.2, { min: 0, max: 1 });
  const minRetriesPerSecond = checkNumber('retryBudget.minRetriesPerSecond', o.minRetriesPerSecond ?? 10, { min: 0 });
  const windowMs = checkNumber('retryBudget.windowMs', o.windowMs ?? 10_000, { minExclusive: 0 });
  checkClock('retryBudget.clock', o.clock);
  return new SlidingRetryBudget(ratio, minRetriesPerSecond, windowMs, o.clock ?? systemClock);
}
