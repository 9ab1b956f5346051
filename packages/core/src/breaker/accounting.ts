import type { BreakerState, CircuitBreakerMetrics } from './types.js';

/**
 * Why: one outcome object for every breaker in the process, so recording an outcome allocates
 * nothing and a breaker carries no outcome object of its own (bench:core, heap per breaker and
 * ns per call). Evaluators read it synchronously inside `record()` and never keep it (the
 * TripEvaluator contract, see `CallOutcome`), and nothing can interleave with that call.
 * Cost: an evaluator that kept the reference would see later outcomes; the contract forbids it.
 * Filled inline in the breaker's `settle()` (a helper function was not inlined: +4 ns per call in
 * the realistic breaker-only case of bench:core).
 */
export const OUTCOME: { success: boolean; durationMs: number; slow: boolean; inFlight: number; at: number } = {
  success: true,
  durationMs: 0,
  slow: false,
  inFlight: 0,
  at: 0,
};

/**
 * The counters behind `metrics()`, mutated by the breaker's call paths. The breaker extends this
 * class. Why: the counters sit in the breaker object itself, not in an object of their own (heap
 * per breaker, bench:core: 10,000 breakers). Cost: a base class; its fields are plain, internal
 * state of the breaker (the class is not exported from the package).
 */
export abstract class BreakerCounts {
  successes = 0;
  failures = 0;
  timeouts = 0;
  rejections = 0;
  slowCalls = 0;
  shadowRejections = 0;
  cancellations = 0;
  ignored = 0;
  inFlight = 0;
  /** The latest failure (error or failing result) and when it was counted. */
  lastFailure: { error: unknown; at: number } | undefined = undefined;
}

/** `metrics()` from a breaker's counts and its reads. */
export function metricsOf(
  c: BreakerCounts,
  state: BreakerState,
  stateSince: number,
  failureRate: number,
  generation: number,
): CircuitBreakerMetrics {
  const last = c.lastFailure;
  return {
    state,
    requests: c.successes + c.failures + c.rejections,
    successes: c.successes,
    failures: c.failures,
    timeouts: c.timeouts,
    rejected: c.rejections,
    slowCalls: c.slowCalls,
    failureRate,
    stateSince,
    shadowRejected: c.shadowRejections,
    inFlight: c.inFlight,
    generation,
    cancelled: c.cancellations,
    ignored: c.ignored,
    lastFailure: last === undefined ? undefined : { error: last.error, at: last.at },
  };
}
