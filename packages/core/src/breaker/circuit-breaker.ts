import { BreakerPolicy } from './breaker-policy.js';
import type { CircuitBreakerOptions, CircuitBreakerPolicy } from './types.js';

export type { CircuitBreakerPolicy } from './types.js';

/**
 * Creates a circuit breaker: closed → open when the trip strategy says so (default
 * `consecutiveFailures(5)`), open → half-open after `halfOpenAfterMs` (a number, or a Backoff for an
 * open period that grows with every failed probe; the transition is made by the next call — no timer),
 * half-open → closed after `successesToClose` probe successes or → open on any probe failure.
 *
 * - Reads (`state`, `metrics()`, `wouldAdmit()`) have no side effects: without a store a breaker
 *   whose open period is over reads 'half-open' before the transition; with one it reads 'open'
 *   until admitted as the fleet's probe. Events reach every listener in the order transitions
 *   happened, also when a listener calls `reset()`/`isolate()` or throws.
 * - `execute()` never throws synchronously: every outcome, hostile ones included, is a settled promise.
 * - Ignored outcomes: an inner Breakwater rejection or a local resource error that `isFailure`
 *   declines is neither success nor failure (`metrics().ignored`), in every state.
 * - `isolate()` handles are counted; `close()` (alias `dispose()`) makes later calls reject with `ClosedError`.
 *
 * - Half-open admits at most `maxProbes` concurrent probes; the rest get `BrokenCircuitError`. A
 *   probe holding its slot longer than `probeTimeoutMs` (default `max(halfOpenAfterMs, 1000)`)
 *   fails the round — checked on admission and by one timer per breaker while probes are out —
 *   and an aborted probe frees its slot at once, so half-open can never get stuck.
 * - `isFailure` (default: every error except Breakwater rejections and local resource errors) and
 *   `isResultFailure` classify outcomes; a result that counts as a failure is still returned to the
 *   caller. A `TimeoutError` counts as a failure and as a timeout.
 * - Cancelled calls are neutral, before `isFailure` is asked: a call that fails while its context
 *   was aborted for a reason other than a timeout (the losing attempt of a `hedge()`, the caller's
 *   signal) is neither a success nor a failure — not in the window, not in `requests` (so
 *   `requests = successes + failures + rejected` holds), no event; `metrics().cancelled` counts it.
 *   An abort whose reason is a timeout (a `timeout()` around the breaker) is a failure and a timeout.
 *   A half-open probe that loses its hedge race frees its slot without a verdict; one abandoned by
 *   its caller or cut by a timeout re-opens the breaker.
 * - `wouldAdmit()` tells, without side effects, whether a call arriving now would get through
 *   (balancers skip endpoints whose breaker would refuse).
 * - `mode: 'shadow'` runs the same state machine, events and metrics but lets every call through;
 *   would-be rejections are counted in `metrics().shadowRejected`, not in `rejected`.
 * - With a `store`, transitions are published, newer remote states adopted (`remote: true`) and
 *   the half-open probe is coordinated fleet-wide (`requestProbe()`).
 * - `inspectTrip()` exposes the trip strategy's internals (e.g. predictive weights).
 *
 * @throws ConfigError with a `circuitBreaker.<field>` path for invalid options.
 * @example
 * const breaker = circuitBreaker({ name: 'payments', halfOpenAfterMs: 10_000 });
 * const receipt = await breaker.execute(({ signal }) => pay(order, { signal }));
 */
export function circuitBreaker(options: CircuitBreakerOptions): CircuitBreakerPolicy {
  return new BreakerPolicy(options);
}
