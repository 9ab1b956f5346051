import { ClosedError } from '../errors.js';
import { executeWith, listenAbort, unlistenAbort, type Ctx, type InternalPolicy } from '../execution.js';
import { isHedgeLoss } from '../hedge/hedge.js';
import type { ExecuteOptions, PolicyFn } from '../policy.js';
import { isTimeout } from './cancellation.js';
import { OrderedEmitter } from './ordered-emitter.js';
import { BreakerAccounting } from './accounting.js';
import { resolveBreakerOptions } from './options.js';
import type { ProbeRound } from './probes.js';
import { brokenCircuitError } from './rejection.js';
import { badWindow } from './snapshot.js';
import { PROBE_FAILURE, PROBE_NEUTRAL, type BreakerEvents } from './state-machine.js';
import type { BreakerSnapshot, CallEvent, CircuitBreaker, CircuitBreakerMetrics, CircuitBreakerOptions, StateChangeEvent } from './types.js';

/**
 * A circuit breaker. See {@link circuitBreaker}.
 *
 * Hot path (closed): one state check, an async frame, the user's call, the outcome fed to the trip
 * evaluator — no timers, no closures, no allocation of its own. Timing (`clock.now()` twice) is
 * taken only when something needs it: a latency-aware strategy, `slowCall`, or a success/failure
 * listener.
 */
export class CircuitBreakerPolicy extends BreakerAccounting implements CircuitBreaker, InternalPolicy {
  private readonly shadow: boolean;
  private readonly timedByConfig: boolean;
  private timed: boolean;
  /** Set by close(): new calls reject with ClosedError. */
  private shutDown = false;
  private readonly tripKind: string;
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
    super({
      name: o.name,
      clock: o.clock,
      evaluator: o.trip.create(o.clock, tripOptions),
      openPeriod: o.openPeriod,
      maxProbes: o.maxProbes,
      successesToClose: o.successesToClose,
      probeTimeoutMs: o.probeTimeoutMs,
      isFailure: o.isFailure,
      isResultFailure: o.isResultFailure,
      slowCallMs: o.slowCallMs,
    });
    this.shadow = o.shadow;
    this.timedByConfig = this.evaluator.needsTiming === true || o.slowCallMs !== Number.POSITIVE_INFINITY;
    this.timed = this.timedByConfig;
    this.tripKind = o.trip.kind;
    if (o.initialState !== undefined && !this.restoreAt(o.initialState, { clockNow: o.clock.now(), wallNow: Date.now() }, this.tripKind)) {
      throw badWindow(this.tripKind, o.initialState.trip.window);
    }
    // With a store, the fleet's state replaces the restored one when it is newer (adopt()).
    if (o.store !== undefined) this.link = o.store.attach(this);
  }

  execute<T>(fn: PolicyFn<T>, opts?: ExecuteOptions): Promise<T> {
    return executeWith(this, fn, opts);
  }

  /** Internal protocol: runs `fn` inside a pipeline's context. */
  run<T>(fn: PolicyFn<T>, ctx: Ctx): Promise<T> {
    if (this.current !== 'closed' || this.shutDown) return this.runGuarded(fn, ctx);
    // A context something outside can abort (caller signal, timeout, hedge) needs its outcome read
    // against the context (cancelled or failed?): the async path keeps it in scope.
    if (this.timed || ctx.abortable) return this.runPlain(fn, ctx);
    // Untimed fast path: the user's promise plus one reaction, no async frame, no closure per call.
    if (this.handlersGen !== this.gen) this.buildHandlers();
    this.inFlight++;
    let r: T | PromiseLike<T>;
    try {
      r = fn(ctx);
      // The caller gets the user's promise itself; the breaker observes it through a side reaction
      // that never rethrows, so there is no extra hop for the caller and no second rejected promise.
      // Inside the try: `instanceof` and reading `then` throw for hostile values (revoked Proxy,
      // throwing getter) — they end as a rejected call, never as a synchronous throw.
      if (r instanceof Promise) {
        void r.then(this.onSettled, this.onFailed);
        return r;
      }
      if (r !== null && typeof r === 'object' && typeof (r as PromiseLike<T>).then === 'function') {
        const p = Promise.resolve(r);
        void p.then(this.onSettled, this.onFailed);
        return p;
      }
    } catch (error) {
      this.inFlight--;
      this.settle(error, true, -1, this.gen, undefined);
      return Promise.reject(error);
    }
    this.inFlight--;
    this.settle(r, false, -1, this.gen, undefined);
    return Promise.resolve(r as T);
  }

  /** `{ release() }` ends the isolation. Scope defaults to 'fleet' (meaningful only with a store). */
  isolate(o?: { scope?: 'local' | 'fleet' }): { release(): void } {
    return this.isolateNow(o?.scope === 'local');
  }

  reset(): void {
    this.resetNow();
  }

  /** Counters and state; side-effect free (see `state`). */
  metrics(): CircuitBreakerMetrics {
    const state = this.state;
    const last = this.lastFailure;
    return {
      state,
      requests: this.successes + this.failures + this.rejections,
      successes: this.successes,
      failures: this.failures,
      timeouts: this.timeouts,
      rejected: this.rejections,
      slowCalls: this.slowCalls,
      failureRate: this.evaluator.failureRate(),
      // A local breaker reading 'half-open' before the transition: it became due when the open period ended.
      stateSince: state === this.current ? this.since : this.openUntil,
      shadowRejected: this.shadowRejections,
      inFlight: this.inFlight,
      generation: this.fleetGeneration,
      cancelled: this.cancellations,
      ignored: this.ignored,
      lastFailure: last === undefined ? undefined : { error: last.error, at: last.at },
    };
  }

  /**
   * Would a call arriving now be let through (run, or admitted as a probe)? Side-effect free and
   * O(1): the balancer asks it for every candidate it considers, so it neither moves the breaker to
   * half-open nor requests the fleet probe lease. Closed and shadow mode: true. Open: once the open
   * period is over, unless the store knows the fleet's probe lease is taken elsewhere. Half-open:
   * while a probe slot is free. Isolated, or after close(): false.
   */
  wouldAdmit(): boolean {
    if (this.shutDown) return false;
    return this.current === 'closed' || this.shadow || this.admitsNow(this.clock.now());
  }

  /**
   * A versioned, JSON-safe snapshot: state, open-until and since as wall-clock ms, open attempt,
   * generation, reason and the trip strategy's window. `circuitBreaker({ initialState })` restores
   * it — e.g. a process restarting without a shared store keeps an open breaker open.
   */
  toJSON(): BreakerSnapshot {
    return this.snapshotAt({ clockNow: this.clock.now(), wallNow: Date.now() }, this.tripKind);
  }

  /** The trip evaluator's internals (e.g. the predictive model's weights), JSON-ready. */
  inspectTrip(): Record<string, unknown> {
    return this.evaluator.inspect?.() ?? {};
  }

  on(event: 'stateChange', fn: (e: StateChangeEvent) => void): () => void;
  on(event: 'success' | 'failure' | 'rejected', fn: (e: CallEvent) => void): () => void;
  on(event: keyof BreakerEvents, fn: (e: never) => void): () => void {
    const emitter = (this.emitter ??= new OrderedEmitter<BreakerEvents>());
    const off = emitter.on(event, fn as (e: BreakerEvents[typeof event]) => void);
    this.updateTimed();
    return () => {
      off();
      this.updateTimed();
    };
  }

  /**
   * Shuts the breaker down: detaches it from its store (a probe lease it holds is freed), clears
   * its probe timer and drops every listener. Later calls reject with `ClosedError` (`BW_CLOSED`)
   * without running; calls already running finish normally. Idempotent.
   */
  close(): void {
    this.shutDown = true;
    this.endRound();
    const link = this.link;
    this.link = undefined;
    link?.detach();
    this.emitter?.removeAll();
  }

  /** Alias of {@link close} (the name it shipped with). */
  dispose(): void {
    this.close();
  }

  private buildHandlers(): void {
    const gen = this.gen;
    this.handlersGen = gen;
    // Only contexts nothing outside can abort take this path (see run()): never cancelled.
    this.onSettled = (value) => {
      this.inFlight--;
      this.settle(value, false, -1, gen, undefined);
    };
    this.onFailed = (error) => {
      this.inFlight--;
      this.settle(error, true, -1, gen, undefined);
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
      this.settle(error, true, start, gen, ctx);
      throw error;
    }
    this.inFlight--;
    this.settle(result, false, start, gen, undefined);
    return result;
  }

  private runGuarded<T>(fn: PolicyFn<T>, ctx: Ctx): Promise<T> {
    if (this.shutDown) return Promise.reject(new ClosedError(`circuit "${this.name}"`));
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
    return Promise.reject(
      brokenCircuitError(this.name, state === 'isolated', state === 'open' ? Math.max(0, this.openUntil - now) : undefined, state === 'half-open'),
    );
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
      const outcome = this.settle(error, true, start, gen, ctx);
      if (!resolved) this.probeSettled(round, slot, outcome);
      throw error;
    }
    this.inFlight--;
    unlistenAbort(signal, onAbort);
    const outcome = this.settle(result, false, start, gen, undefined);
    if (!resolved) this.probeSettled(round, slot, outcome);
    return result;
  }
}

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
 * - `isFailure` (default: every error except Breakwater rejections and local resource errors) and `isResultFailure` classify
 *   outcomes; a result that counts as a failure is still returned to the caller. A `TimeoutError`
 *   counts as a failure and as a timeout.
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
