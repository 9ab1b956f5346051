import type { CallOutcome, TripEvaluator, TripOptions, TripStrategy } from '../types.js';
import { CountWindow } from '../windows/count-window.js';
import { slowCallReason } from './slow-call.js';
import { checkCount } from '../../kernel/options.js';

class ConsecutiveFailuresEvaluator implements TripEvaluator {
  private consecutive = 0;
  private calls = 0;
  private failed = 0;
  /** Only with `slowCall`: the last `n` outcomes, to compute the slow-call rate. */
  private readonly recent: CountWindow | undefined;

  constructor(
    private readonly threshold: number,
    private readonly slowThreshold: number | undefined,
  ) {
    this.recent = slowThreshold === undefined ? undefined : new CountWindow(threshold);
  }

  record(o: CallOutcome): string | undefined {
    this.calls++;
    if (!o.success) {
      this.failed++;
      if (++this.consecutive >= this.threshold) return `${this.consecutive} consecutive failures`;
    } else {
      this.consecutive = 0;
    }
    const recent = this.recent;
    if (recent === undefined) return undefined;
    recent.add(!o.success, o.slow);
    return slowCallReason(recent, recent.total(), this.slowThreshold!, this.threshold);
  }

  failureRate(): number {
    return this.calls === 0 ? 0 : this.failed / this.calls;
  }

  windowSize(): number {
    return this.calls;
  }

  shouldTripOn(totals: { successes: number; failures: number; slowCalls: number }): boolean {
    // Fleet totals lose ordering: n failures that are also the majority is the closest analogue.
    return totals.failures >= this.threshold && totals.failures >= totals.successes;
  }

  reset(): void {
    this.consecutive = 0;
    this.calls = 0;
    this.failed = 0;
    this.recent?.reset();
  }

  exportState(): { consecutive: number; calls: number; failed: number; recent?: number[] } {
    const state = { consecutive: this.consecutive, calls: this.calls, failed: this.failed };
    return this.recent === undefined ? state : { ...state, recent: this.recent.exportState() };
  }

  importState(data: unknown): boolean {
    const d = data as { consecutive?: unknown; calls?: unknown; failed?: unknown; recent?: unknown } | null;
    const int = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
    if (typeof d !== 'object' || d === null || !int(d.consecutive) || !int(d.calls) || !int(d.failed)) return false;
    if (d.failed > d.calls || d.consecutive > d.failed) return false;
    if (this.recent !== undefined && d.recent !== undefined && !this.recent.importState(d.recent)) return false;
    // Below the threshold: a snapshot taken from a closed breaker never had n in a row.
    this.consecutive = Math.min(d.consecutive, this.threshold - 1);
    this.calls = d.calls;
    this.failed = d.failed;
    return true;
  }

  inspect(): Record<string, unknown> {
    return { kind: 'consecutiveFailures', threshold: this.threshold, consecutive: this.consecutive };
  }
}

/**
 * Opens the breaker after `n` failures in a row; any success resets the count. `failureRate` in
 * metrics is the failure share since the breaker last closed. With `slowCall`, the slow-call rate
 * is evaluated over the last `n` calls (and needs `n` calls).
 *
 * @example circuitBreaker({ name: 'db', trip: consecutiveFailures(5) })
 */
export function consecutiveFailures(n: number): TripStrategy {
  const threshold = checkCount('consecutiveFailures.n', n, 1);
  return {
    name: 'consecutiveFailures',
    kind: 'consecutiveFailures',
    create: (_clock, options?: TripOptions) =>
      new ConsecutiveFailuresEvaluator(threshold, options?.slowCallRateThreshold),
  };
}
