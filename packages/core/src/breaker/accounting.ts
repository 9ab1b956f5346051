import type { Ctx } from '../execution.js';
import { attemptAbort, CANCELLED, isTimeout, NOT_ABORTED, TIMED_OUT } from './cancellation.js';
import { classifyError, classifyResult } from './outcome.js';
import { BreakerManualControl } from './manual-control.js';
import { PROBE_FAILURE, PROBE_NEUTRAL, type MachineSettings, type ProbeResult } from './state-machine.js';

/**
 * One outcome object for every breaker in the process: evaluators read it synchronously inside
 * `record()` and never keep it (TripEvaluator contract), and nothing can interleave with that call,
 * so sharing it saves an allocation per call and an object per breaker.
 */
const OUTCOME: { success: boolean; durationMs: number; slow: boolean; inFlight: number; at: number } = {
  success: true,
  durationMs: 0,
  slow: false,
  inFlight: 0,
  at: 0,
};

/** Outcome classification settings, on top of the state machine's. */
export interface AccountingSettings extends MachineSettings {
  readonly isFailure: (error: unknown) => boolean;
  readonly isResultFailure: ((result: unknown) => boolean) | undefined;
  readonly slowCallMs: number;
}

/**
 * The breaker's books: how each outcome is classified (success, failure, ignored, cancelled), the
 * counters behind `metrics()`, and the window fed while closed. Separate from the call paths
 * (`CircuitBreakerPolicy`) and the transitions (`BreakerStateMachine`); one object at run time.
 */
export abstract class BreakerAccounting extends BreakerManualControl {
  protected readonly isFailure: (error: unknown) => boolean;
  protected readonly isResultFailure: ((result: unknown) => boolean) | undefined;
  protected readonly slowCallMs: number;
  protected successes = 0;
  protected failures = 0;
  protected timeouts = 0;
  protected rejections = 0;
  protected slowCalls = 0;
  protected shadowRejections = 0;
  protected cancellations = 0;
  protected ignored = 0;
  protected inFlight = 0;
  /** The latest failure (error or failing result) and when it was counted. */
  protected lastFailure: { error: unknown; at: number } | undefined = undefined;

  constructor(s: AccountingSettings) {
    super(s);
    this.isFailure = s.isFailure;
    this.isResultFailure = s.isResultFailure;
    this.slowCallMs = s.slowCallMs;
  }

  /**
   * Classifies one outcome, counts it, feeds the window (closed state only). Never throws.
   * - Cancelled (see `attemptAbort`; `ctx` given: the async paths): counted only as `cancelled`.
   * - Neutral (an inner Breakwater rejection or a local resource error that `isFailure` declined):
   *   counted only as `ignored` — not in `requests`, not in the window, no event, nothing to the store.
   * - Otherwise a success or a failure (a timed-out one also counts as a timeout).
   */
  protected settle(value: unknown, threw: boolean, start: number, gen: number, ctx: Ctx | undefined): ProbeResult {
    let verdict: ProbeResult;
    let timedOut = false;
    if (threw) {
      const abort = ctx === undefined ? (isTimeout(value) ? TIMED_OUT : NOT_ABORTED) : attemptAbort(ctx, value);
      if (abort === CANCELLED) {
        this.cancellations++;
        return PROBE_NEUTRAL;
      }
      verdict = classifyError(this.isFailure, value);
      if (verdict === PROBE_NEUTRAL) {
        this.ignored++;
        return PROBE_NEUTRAL;
      }
      timedOut = abort === TIMED_OUT;
    } else {
      verdict = classifyResult(this.isResultFailure, value);
    }
    const failure = verdict === PROBE_FAILURE;
    if (timedOut) this.timeouts++;
    const at = start >= 0 ? this.clock.now() : 0;
    const durationMs = start >= 0 ? at - start : 0;
    const slow = !failure && durationMs > this.slowCallMs;
    if (failure) {
      this.failures++;
      this.lastFailure = { error: value, at: start >= 0 ? at : this.clock.now() };
    } else {
      this.successes++;
      if (slow) this.slowCalls++;
    }
    this.link?.record(failure ? 'failure' : 'success', slow);
    const emitter = this.emitter;
    if (emitter !== undefined) {
      if (failure) {
        if (emitter.has('failure')) emitter.emit('failure', { name: this.name, durationMs, error: threw ? value : undefined });
      } else if (emitter.has('success')) {
        emitter.emit('success', { name: this.name, durationMs });
      }
    }
    // Outcomes of calls that started before the latest transition belong to an old window.
    if (gen === this.gen && this.current === 'closed') {
      const o = OUTCOME;
      o.success = !failure;
      o.durationMs = durationMs;
      o.slow = slow;
      o.inFlight = this.inFlight;
      o.at = at;
      let reason: string | undefined;
      try {
        reason = this.evaluator.record(o);
      } catch {
        // A custom trip strategy that throws must not turn into an unhandled rejection: no trip.
        reason = undefined;
      }
      if (reason !== undefined) this.transition('open', reason, 'fleet');
    }
    return verdict;
  }
}
