import { Emitter } from '../events.js';
import { executeWith, listenAbort, unlistenAbort, type Ctx, type InternalPolicy } from '../execution.js';
import { isHedgeLoss } from '../hedge/hedge.js';
import type { ExecuteOptions, PolicyFn } from '../policy.js';
import { attemptAbort, CANCELLED, isTimeout, NOT_ABORTED, TIMED_OUT, type AttemptAbort } from './cancellation.js';
import { resolveBreakerOptions } from './options.js';
import type { ProbeRound } from './probes.js';
import { brokenCircuitError, isRejection } from './rejection.js';
import { BreakerStateMachine, PROBE_FAILURE, PROBE_NEUTRAL, PROBE_SUCCESS, type BreakerEvents, type ProbeResult } from './state-machine.js';
import type { CallEvent, CircuitBreaker, CircuitBreakerMetrics, CircuitBreakerOptions, StateChangeEvent } from './types.js';

/**
 * One outcome object for every breaker in the process: evaluators read it synchronously inside
 * `record()` and never keep it (TripEvaluator contract), and nothing can interleave with that call,
 * so sharing it saves an allocation per call and an object per breaker.
 */
const OUTCOME: { success: boolean; durationMs: number; slow: boolean; inFlight: number; at: number } =
  { success: true, durationMs: 0, slow: false, inFlight: 0, at: 0 };

/**
 * A circuit breaker. See {@link circuitBreaker}.
 *
 * Hot path (closed): one state check, an async frame, the user's call, the outcome fed to the trip
 * evaluator — no timers, no closures, no allocation of its own. Timing (`clock.now()` twice) is
 * taken only when something needs it: a latency-aware strategy, `slowCall`, or a success/failure
 * listener.
 */
export class CircuitBreakerPolicy extends BreakerStateMachine implements CircuitBreaker, InternalPolicy {
  private readonly shadow: boolean;
  private readonly isFailure: (error: unknown) => boolean;
  private readonly isResultFailure: ((result: unknown) => boolean) | undefined;
  private readonly slowCallMs: number;
  private readonly timedByConfig: boolean;
  private timed: boolean;
  private successes = 0;
  private failures = 0;
  private timeouts = 0;
  private rejections = 0;
  private slowCalls = 0;
  private shadowRejections = 0;
  private cancellations = 0;
  private inFlight = 0;
  /**
   * Settlement handlers of untimed closed-state calls, built once per generation (they capture it)
   * so a call attaches them to its promise without allocating closures.
   */
  private handlersGen = -1;
  private onSettled: ((value: unknown) => void) | undefined = undefined;
  private onFailed: ((error: unknown) => void) | undefined = undefined;

  constructor(options: CircuitBreakerOptions) {
    const o = resolveBreakerOptions(options);
    const tripOptions = o.slowCallRateThreshold === undefined ? undefined : { slowCallRateThreshold: o.slowCallRateThreshold };
    super({ name: o.name, clock: o.clock, evaluator: o.trip.create(o.clock, tripOptions), halfOpenAfterMs: o.halfOpenAfterMs,
            maxProbes: o.maxProbes, successesToClose: o.successesToClose, probeTimeoutMs: o.probeTimeoutMs });
    this.shadow = o.shadow;
    this.isFailure = o.isFailure;
    this.isResultFailure = o.isResultFailure;
    this.slowCallMs = o.slowCallMs;
    this.timedByConfig = this.evaluator.needsTiming === true || o.slowCallMs !== Number.POSITIVE_INFINITY;
    this.timed = this.timedByConfig;
    if (o.store !== undefined) this.link = o.store.attach(this);
  }

  execute<T>(fn: PolicyFn<T>, opts?: ExecuteOptions): Promise<T> {
    return executeWith(this, fn, opts);
  }

  /** Internal protocol: runs `fn` inside a pipeline's context. */
  run<T>(fn: PolicyFn<T>, ctx: Ctx): Promise<T> {
    if (this.current !== 'closed') return this.runGuarded(fn, ctx);
    // A context something outside can abort (caller signal, timeout, hedge) needs its outcome read
    // against the context (cancelled or failed?): the async path keeps it in scope.
    if (this.timed || ctx.abortable) return this.runPlain(fn, ctx);
    // Untimed fast path: the user's promise plus one reaction, no async frame, no closure per call.
    if (this.handlersGen !== this.gen) this.buildHandlers();
    this.inFlight++;
    let r: T | PromiseLike<T>;
    try {
      r = fn(ctx);
    } catch (error) {
      this.inFlight--;
      this.settle(error, true, -1, this.gen, isTimeout(error) ? TIMED_OUT : NOT_ABORTED);
      return Promise.reject(error);
    }
    // The caller gets the user's promise itself; the breaker observes it through a side reaction that
    // never rethrows, so there is no extra hop for the caller and no second rejected promise.
    if (r instanceof Promise) {
      r.then(this.onSettled, this.onFailed);
      return r;
    }
    if (r !== null && typeof r === 'object' && typeof (r as PromiseLike<T>).then === 'function') {
      const p = Promise.resolve(r);
      p.then(this.onSettled, this.onFailed);
      return p;
    }
    this.inFlight--;
    this.settle(r, false, -1, this.gen, NOT_ABORTED);
    return Promise.resolve(r as T);
  }

  /** `{ release() }` ends the isolation. Scope defaults to 'fleet' (meaningful only with a store). */
  isolate(o?: { scope?: 'local' | 'fleet' }): { release(): void } {
    return this.isolateNow(o?.scope === 'local');
  }

  reset(): void {
    this.resetNow();
  }

  metrics(): CircuitBreakerMetrics {
    return {
      state: this.state, requests: this.successes + this.failures + this.rejections, successes: this.successes,
      failures: this.failures, timeouts: this.timeouts, rejected: this.rejections, slowCalls: this.slowCalls,
      failureRate: this.evaluator.failureRate(), stateSince: this.since, shadowRejected: this.shadowRejections,
      inFlight: this.inFlight, generation: this.fleetGeneration, cancelled: this.cancellations,
    };
  }

  /**
   * Would a call arriving now be let through (run, or admitted as a probe)? Side-effect free and
   * O(1): the balancer asks it for every candidate it considers, so it neither moves the breaker to
   * half-open nor requests the fleet probe lease. Closed and shadow mode: true. Open: once the open
   * period is over, unless the store knows the fleet's probe lease is taken elsewhere. Half-open:
   * while a probe slot is free. Isolated: false.
   */
  wouldAdmit(): boolean {
    return this.current === 'closed' || this.shadow || this.admitsNow(this.clock.now());
  }

  /** The trip evaluator's internals (e.g. the predictive model's weights), JSON-ready. */
  inspectTrip(): Record<string, unknown> {
    return this.evaluator.inspect?.() ?? {};
  }

  on(event: 'stateChange', fn: (e: StateChangeEvent) => void): () => void;
  on(event: 'success' | 'failure' | 'rejected', fn: (e: CallEvent) => void): () => void;
  on(event: keyof BreakerEvents, fn: (e: never) => void): () => void {
    const emitter = (this.emitter ??= new Emitter<BreakerEvents>());
    const off = emitter.on(event, fn as (e: BreakerEvents[typeof event]) => void);
    this.updateTimed();
    return () => {
      off();
      this.updateTimed();
    };
  }

  dispose(): void {
    this.endRound();
    const link = this.link;
    this.link = undefined;
    link?.detach();
    this.emitter?.removeAll();
  }

  private buildHandlers(): void {
    const gen = this.gen;
    this.handlersGen = gen;
    // Only contexts nothing outside can abort take this path (see run()): never cancelled.
    this.onSettled = (value) => {
      this.inFlight--;
      this.settle(value, false, -1, gen, NOT_ABORTED);
    };
    this.onFailed = (error) => {
      this.inFlight--;
      this.settle(error, true, -1, gen, isTimeout(error) ? TIMED_OUT : NOT_ABORTED);
    };
  }

  private updateTimed(): void {
    const e = this.emitter;
    this.timed = this.timedByConfig || (e !== undefined && (e.has('success') || e.has('failure')));
  }

  /** A call outside probe duty: closed state, or shadow mode letting a would-be rejection through. */
  private async runPlain<T>(fn: PolicyFn<T>, ctx: Ctx): Promise<T> {
    const start = this.timed ? this.clock.now() : -1;
    const gen = this.gen;
    this.inFlight++;
    let result: T;
    try {
      result = await fn(ctx);
    } catch (error) {
      this.inFlight--;
      this.settle(error, true, start, gen, attemptAbort(ctx, error));
      throw error;
    }
    this.inFlight--;
    this.settle(result, false, start, gen, NOT_ABORTED);
    return result;
  }

  private runGuarded<T>(fn: PolicyFn<T>, ctx: Ctx): Promise<T> {
    const now = this.clock.now();
    if (this.current === 'open') this.tryHalfOpen(now);
    if (this.current === 'half-open') {
      const round = this.round!;
      const slot = this.acquireProbe(now);
      if (slot >= 0) return this.runProbe(fn, ctx, round, slot);
    }
    const emitter = this.emitter;
    if (emitter !== undefined && emitter.has('rejected')) emitter.emit('rejected', this.shadow ? { name: this.name, shadow: true } : { name: this.name });
    if (this.shadow) {
      this.shadowRejections++;
      return this.runPlain(fn, ctx);
    }
    this.rejections++;
    const state = this.current;
    return Promise.reject(brokenCircuitError(this.name, state === 'isolated',
      state === 'open' ? Math.max(0, this.openUntil - now) : undefined, state === 'half-open'));
  }

  /**
   * A half-open probe. Its slot is freed by its outcome, by the lease expiring (state machine), or
   * when its context is aborted — the breaker never waits on an abandoned probe:
   * - aborted by `hedge()` because another attempt of the call already won: the slot is released
   *   without a verdict (the breaker stays half-open and the next call probes). Re-opening would
   *   punish a dependency for being slower than its twin, and with busy hedging a recovering
   *   endpoint would never close.
   * - aborted by the caller or an enclosing policy (a timeout): the probe counts as failed and the
   *   breaker re-opens ('probe abandoned' / 'probe timed out') — without an answer the breaker
   *   assumes the worst. The call itself is counted as cancelled (or as a timeout failure).
   */
  private async runProbe<T>(fn: PolicyFn<T>, ctx: Ctx, round: ProbeRound, slot: number): Promise<T> {
    const start = this.clock.now();
    const gen = this.gen;
    const signal = ctx.signal;
    // Once the abort resolved the slot, the call's own outcome must not touch it: the slot may
    // already belong to the next probe of the same round.
    let resolved = false;
    const onAbort = (): void => {
      resolved = true;
      const reason = ctx.abortReason;
      if (isHedgeLoss(reason)) this.probeSettled(round, slot, PROBE_NEUTRAL);
      else this.probeSettled(round, slot, PROBE_FAILURE, isTimeout(reason) ? 'probe timed out' : 'probe abandoned');
    };
    if (signal.aborted) onAbort();
    else listenAbort(signal, onAbort);
    this.inFlight++;
    let result: T;
    try {
      result = await fn(ctx);
    } catch (error) {
      this.inFlight--;
      unlistenAbort(signal, onAbort);
      const outcome = this.settle(error, true, start, gen, attemptAbort(ctx, error));
      if (!resolved) this.probeSettled(round, slot, outcome === PROBE_SUCCESS && isRejection(error) ? PROBE_NEUTRAL : outcome);
      throw error;
    }
    this.inFlight--;
    unlistenAbort(signal, onAbort);
    const outcome = this.settle(result, false, start, gen, NOT_ABORTED);
    if (!resolved) this.probeSettled(round, slot, outcome);
    return result;
  }

  /**
   * Classifies one outcome, counts it, feeds the window (closed state only). A cancelled call (see
   * `attemptAbort`) is counted only as `cancelled`: not in `requests`, not in the window, no
   * `success`/`failure` event, nothing reported to the store. A timed-out one counts as a timeout.
   */
  private settle(value: unknown, threw: boolean, start: number, gen: number, abort: AttemptAbort): ProbeResult {
    if (abort === CANCELLED) {
      this.cancellations++;
      return PROBE_NEUTRAL;
    }
    let failure: boolean;
    try {
      if (threw) failure = this.isFailure(value);
      else failure = this.isResultFailure !== undefined && this.isResultFailure(value);
    } catch {
      // A throwing classifier must not replace the caller's outcome; count the call as failed.
      failure = true;
    }
    if (threw && abort === TIMED_OUT) this.timeouts++;
    const at = start >= 0 ? this.clock.now() : 0;
    const durationMs = start >= 0 ? at - start : 0;
    const slow = !failure && durationMs > this.slowCallMs;
    if (failure) this.failures++;
    else {
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
      const reason = this.evaluator.record(o);
      if (reason !== undefined) this.transition('open', reason, 'fleet');
    }
    return failure ? PROBE_FAILURE : PROBE_SUCCESS;
  }
}

/**
 * Creates a circuit breaker: closed → open when the trip strategy says so (default
 * `consecutiveFailures(5)`), open → half-open after `halfOpenAfterMs` (made by the next call or read of `state`; no timer),
 * half-open → closed after `successesToClose` probe successes or → open on any probe failure.
 *
 * - Half-open admits at most `maxProbes` concurrent probes; the rest get `BrokenCircuitError`. A
 *   probe holding its slot longer than `probeTimeoutMs` (default `max(halfOpenAfterMs, 1000)`)
 *   fails the round — checked on admission and by one timer per breaker while probes are out —
 *   and an aborted probe frees its slot at once, so half-open can never get stuck.
 * - `isFailure` (default: every error except Breakwater rejections) and `isResultFailure` classify
 *   outcomes; a result that counts as a failure is still returned to the caller. A `TimeoutError`
 *   counts as a failure and as a timeout. Rejections of inner policies neither close nor open a
 *   half-open breaker.
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
  return new CircuitBreakerPolicy(options);
}
