import { ClosedError } from '../errors.js';
import { Ctx, executeWith, type InternalPolicy } from '../execution.js';
import type { ExecuteOptions, PolicyFn } from '../policy.js';
import { BreakerCounts, metricsOf, OUTCOME } from './accounting.js';
import { attemptAbort, CANCELLED, isTimeout, NOT_ABORTED, TIMED_OUT } from '../kernel/abort-reasons.js';
import { BreakerController, stateChangeOf, type Transition } from './controller.js';
import { FleetSync } from './fleet-sync.js';
import { ManualControl } from './manual-control.js';
import { OrderedEmitter } from './ordered-emitter.js';
import { resolveBreakerOptions } from './options.js';
import { classifyError, classifyResult, VERDICT_FAILURE, VERDICT_NEUTRAL, type Verdict } from './outcome.js';
import { restoreSnapshot, snapshotOf } from './persistence.js';
import { acquireProbe, clearProbeTimer, runProbe, type ProbeHost } from './probe-slots.js';
import type { ProbeRound } from './probes.js';
import { rejectionOf } from './rejection.js';
import type {
  BreakerEvents,
  BreakerSnapshot,
  BreakerState,
  CallEvent,
  CircuitBreakerMetrics,
  CircuitBreakerOptions,
  CircuitBreakerPolicy,
  StateChangeEvent,
  TripEvaluator,
} from './types.js';

/**
 * The call paths of a circuit breaker around its {@link BreakerController}: outcomes, probes,
 * rejections, events; the store through a {@link FleetSync}, isolate()/reset() through a
 * {@link ManualControl}. Internal: `circuitBreaker()` returns it as a {@link CircuitBreakerPolicy}.
 *
 * Hot path (closed): one generation check, the user's call, the outcome fed to the trip evaluator
 * — no timers, no closures, no allocation of its own. Timing (`clock.now()` twice) is taken only
 * when something needs it: a latency-aware strategy, `slowCall`, or a success/failure listener.
 */
export class BreakerPolicy extends BreakerCounts implements CircuitBreakerPolicy, InternalPolicy, ProbeHost {
  readonly name: string;
  readonly controller: BreakerController;
  private readonly evaluator: TripEvaluator;
  private readonly isFailure: (error: unknown) => boolean;
  private readonly isResultFailure: ((result: unknown) => boolean) | undefined;
  /** `slowCall.thresholdMs`, or -1 without (Why: a small integer; Infinity is a boxed number per breaker). */
  private readonly slowCallMs: number;
  private readonly shadow: boolean;
  private readonly timedByConfig: boolean;
  private readonly tripName: string;
  private timed: boolean;
  /** Set by close(): new calls reject with ClosedError. */
  private shutDown = false;
  private fleet: FleetSync | undefined = undefined;
  /** isolate()/reset(), created on first use. */
  manual: ManualControl | undefined = undefined;
  /** Created on the first `on()`: a breaker nobody listens to carries no emitter. */
  private emitter: OrderedEmitter<BreakerEvents> | undefined = undefined;
  /** Controller's generation while closed, else -1. Why: one read on the hot path. Cost: changes call `sync()`. */
  private windowGen = 0;
  /**
   * Settlement handlers of untimed closed-state calls, built once per generation (they capture it).
   * Why: no closure per call (bench:core). Cost: two closures per closed period; the plain path is
   * run against this one on the same schedules in fast-path.property.test.ts.
   */
  private handlersGen = -1;
  private onSettled: ((value: unknown) => void) | undefined = undefined;
  private onFailed: ((error: unknown) => void) | undefined = undefined;

  constructor(options: CircuitBreakerOptions) {
    super();
    const o = resolveBreakerOptions(options);
    const tripOptions =
      o.slowCallRateThreshold === undefined ? undefined : { slowCallRateThreshold: o.slowCallRateThreshold };
    this.name = o.name;
    this.evaluator = o.trip.create(o.clock, tripOptions);
    this.controller = new BreakerController({ ...o, evaluator: this.evaluator });
    this.isFailure = o.isFailure;
    this.isResultFailure = o.isResultFailure;
    this.slowCallMs = o.slowCallMs === Number.POSITIVE_INFINITY ? -1 : o.slowCallMs;
    this.shadow = o.shadow;
    this.timedByConfig = this.evaluator.needsTiming === true || o.slowCallMs !== Number.POSITIVE_INFINITY;
    this.timed = this.timedByConfig;
    this.tripName = o.tripName;
    const time = { clockNow: o.clock.now(), wallNow: Date.now() };
    if (o.initialState !== undefined)
      restoreSnapshot(this.controller, this.evaluator, this.tripName, o.initialState, time);
    this.sync();
    // With a store, the fleet's state replaces the restored one when it is newer (FleetSync.adopt()).
    if (o.store !== undefined) this.fleet = new FleetSync(o.name, this, o.store);
  }

  /** See {@link BreakerController.observedState}: side-effect free. */
  get state(): BreakerState {
    return this.controller.observedState(this.fleet !== undefined);
  }

  /** This instance's monotonic transition counter (`fleetGeneration`: the fleet's). */
  get generation(): number {
    return this.controller.generation;
  }

  get fleetGeneration(): number {
    return this.controller.fleetGeneration;
  }

  get halfOpenAfterMs(): number {
    return this.controller.halfOpenAfterMs;
  }

  get probeTimeoutMs(): number {
    return this.controller.probeTimeoutMs;
  }

  execute<T>(fn: PolicyFn<T>, opts?: ExecuteOptions): Promise<T> {
    // Why: skips executeWith(), whose `policy.run()` site is megamorphic with several policy kinds
    // in a process (bench:core, realistic). Cost: a second entry; run() never throws.
    if (opts === undefined) return this.run(fn, Ctx.plainRoot());
    return executeWith(this, fn, opts);
  }

  /** Internal protocol: runs `fn` inside a pipeline's context. */
  run<T>(fn: PolicyFn<T>, ctx: Ctx): Promise<T> {
    const gen = this.windowGen;
    if (gen < 0 || this.shutDown) return this.runGuarded(fn, ctx);
    // A context something outside can abort (caller signal, timeout, hedge) needs its outcome read
    // against the context (cancelled or failed?): the async path keeps it in scope.
    if (this.timed || ctx.abortable) return this.runPlain(fn, ctx);
    // Untimed fast path: the user's promise plus one reaction, no async frame, no closure per call.
    if (this.handlersGen !== gen) this.buildHandlers(gen);
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
      this.settle(error, true, -1, gen, undefined);
      return Promise.reject(error);
    }
    this.inFlight--;
    this.settle(r, false, -1, gen, undefined);
    return Promise.resolve(r as T);
  }

  /** `{ release() }` ends the isolation. Scope defaults to 'fleet' (meaningful only with a store). */
  isolate(o?: { scope?: 'local' | 'fleet' }): { release(): void } {
    return (this.manual ??= new ManualControl(this)).isolate(o?.scope === 'local');
  }

  reset(): void {
    (this.manual ??= new ManualControl(this)).reset();
  }

  /** Counters and state; side-effect free (see `state`). */
  metrics(): CircuitBreakerMetrics {
    const ctl = this.controller;
    const state = this.state;
    // A local breaker reading 'half-open' before the transition: it became due when the open period ended.
    const since = state === ctl.state ? ctl.since : ctl.openUntil;
    return metricsOf(this, state, since, this.evaluator.failureRate(), ctl.fleetGeneration);
  }

  wouldAdmit(): boolean {
    if (this.shutDown) return false;
    const ctl = this.controller;
    if (ctl.state === 'closed' || this.shadow) return true;
    if (!ctl.admits(this.controller.clock.now())) return false;
    const fleet = this.fleet;
    return ctl.state !== 'open' || fleet === undefined || fleet.probeAvailable();
  }

  nextProbeAt(): number {
    return this.controller.nextProbeAt();
  }

  toJSON(): BreakerSnapshot {
    const time = { clockNow: this.controller.clock.now(), wallNow: Date.now() };
    return snapshotOf(this.name, this.controller, this.evaluator, this.tripName, time);
  }

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
    const round = this.controller.endRound();
    if (round !== undefined) clearProbeTimer(this, round);
    const fleet = this.fleet;
    this.fleet = undefined;
    fleet?.detach();
    this.emitter?.removeAll();
  }

  /** Alias of {@link close} (the name it shipped with). */
  dispose(): void {
    this.close();
  }

  /** BreakerHost: carries out a transition — timer, window generation, store, event. */
  commit(t: Transition): void {
    const round = t.endedRound;
    if (round !== undefined) clearProbeTimer(this, round);
    this.sync();
    this.fleet?.transitioned(t);
    const emitter = this.emitter;
    if (emitter === undefined || !emitter.has('stateChange')) return;
    emitter.emit('stateChange', stateChangeOf(this.name, t));
  }

  /** BreakerHost: re-reads the controller's state and generation into `windowGen`. */
  sync(): void {
    const ctl = this.controller;
    this.windowGen = ctl.state === 'closed' ? ctl.generation : -1;
  }

  publishFleetOnly(state: 'isolated' | 'closed', reason: string): void {
    const from = this.controller.state;
    const shared = this.controller.fleetOnly(state, reason);
    this.sync();
    this.fleet?.publishFleetOnly(shared, from);
  }

  private buildHandlers(gen: number): void {
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
    const start = this.timed ? this.controller.clock.now() : -1;
    const gen = this.controller.generation;
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
    const ctl = this.controller;
    const now = this.controller.clock.now();
    if (ctl.dueForProbe(now)) {
      const fleet = this.fleet;
      if (fleet === undefined || fleet.requestProbe()) this.commit(ctl.toHalfOpen());
    }
    if (ctl.state === 'half-open') {
      const round = ctl.round!;
      const slot = acquireProbe(this, now);
      if (slot >= 0) return runProbe(this, fn, ctx, round, slot);
    }
    const emitter = this.emitter;
    if (emitter !== undefined && emitter.has('rejected'))
      emitter.emit('rejected', this.shadow ? { name: this.name, shadow: true } : { name: this.name });
    if (this.shadow) {
      this.shadowRejections++;
      return this.runPlain(fn, ctx);
    }
    this.rejections++;
    return Promise.reject(rejectionOf(this.name, ctl, now));
  }

  /** ProbeHost: a call starts. */
  startCall(): void {
    this.inFlight++;
  }

  /** ProbeHost: a call ended; see `settle`. */
  finishCall(value: unknown, threw: boolean, start: number, gen: number, ctx: Ctx | undefined): Verdict {
    this.inFlight--;
    return this.settle(value, threw, start, gen, ctx);
  }

  /** ProbeHost: a probe's verdict for its slot. */
  probeSettled(round: ProbeRound, slot: number, result: Verdict, failureReason?: string): void {
    const t = this.controller.settleProbe(round, slot, result, failureReason);
    if (t !== undefined) this.commit(t);
  }

  /**
   * Classifies one outcome, counts it, feeds the window (closed state only). Never throws.
   * - Cancelled (see `attemptAbort`; `ctx` given: the async paths): counted only as `cancelled`.
   * - Neutral (an inner Breakwater rejection or a local resource error that `isFailure` declined):
   *   counted only as `ignored` — not in `requests`, not in the window, no event, nothing to the store.
   * - Otherwise a success or a failure (a timed-out one also counts as a timeout).
   */
  private settle(value: unknown, threw: boolean, start: number, gen: number, ctx: Ctx | undefined): Verdict {
    let verdict: Verdict;
    let timedOut = false;
    if (threw) {
      const abort = ctx === undefined ? (isTimeout(value) ? TIMED_OUT : NOT_ABORTED) : attemptAbort(ctx, value);
      if (abort === CANCELLED) {
        this.cancellations++;
        return VERDICT_NEUTRAL;
      }
      verdict = classifyError(this.isFailure, value);
      if (verdict === VERDICT_NEUTRAL) {
        this.ignored++;
        return VERDICT_NEUTRAL;
      }
      timedOut = abort === TIMED_OUT;
    } else {
      verdict = classifyResult(this.isResultFailure, value);
    }
    const failure = verdict === VERDICT_FAILURE;
    if (timedOut) this.timeouts++;
    const at = start >= 0 ? this.controller.clock.now() : 0;
    const durationMs = start >= 0 ? at - start : 0;
    const slow = !failure && this.slowCallMs >= 0 && durationMs > this.slowCallMs;
    if (failure) {
      this.failures++;
      this.lastFailure = { error: value, at: start >= 0 ? at : this.controller.clock.now() };
    } else {
      this.successes++;
      if (slow) this.slowCalls++;
    }
    this.fleet?.record(failure, slow);
    const emitter = this.emitter;
    if (emitter !== undefined) {
      if (failure) {
        if (emitter.has('failure'))
          emitter.emit('failure', { name: this.name, durationMs, error: threw ? value : undefined });
      } else if (emitter.has('success')) {
        emitter.emit('success', { name: this.name, durationMs });
      }
    }
    // Outcomes of calls that started before the latest transition belong to an old window.
    if (gen === this.windowGen) {
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
        reason = undefined; // a throwing custom strategy must not become an unhandled rejection: no trip
      }
      if (reason !== undefined) this.commit(this.controller.transition('open', reason, 'fleet'));
    }
    return verdict;
  }
}
