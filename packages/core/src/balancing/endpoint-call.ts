import type { Clock } from '../clock.js';
import { isCancelled } from '../kernel/abort-reasons.js';
import { BrokenCircuitError, NoHealthyEndpointError } from '../errors.js';
import type { Emitter } from '../events.js';
import { isLocalResourceError } from '../local-resource-error.js';
import { asInternal, invoke, type Ctx, type InternalPolicy } from '../execution.js';
import { statusOf } from '../kernel/response-status.js';
import type { AttemptContext, PolicyFn } from '../policy.js';
import type { BalancerEvents } from './balancer-events.js';
import type { DrainGate } from './drain-gate.js';
import type { EndpointState } from './live-endpoint.js';
import type { OutlierDetector } from './outlier/outlier-detector.js';
import type { RequestEvent } from './types.js';

/** What the call path needs from its balancer. */
export interface CallDeps {
  readonly clock: Clock;
  /** Peak-EWMA decay of the strategy (EndpointState.observe). */
  readonly decayMs: number;
  readonly isFailure: (error: unknown) => boolean;
  readonly isResultFailure: ((result: unknown) => boolean) | undefined;
  readonly emitter: Emitter<BalancerEvents>;
  readonly outlier: OutlierDetector | undefined;
  readonly gate: DrainGate;
  /**
   * Runs the call on another endpoint after a breaker turned it away, skipping endpoints marked
   * `mark` (those that refused this call); waits in the queue when the others are saturated.
   * Rejects with NoHealthyEndpointError when none is left.
   */
  next<T>(fn: PolicyFn<T>, ctx: Ctx, mark: number, repicks: number, avoid: ReadonlySet<string> | undefined): Promise<T>;
  /** A call on `s` ended and freed its slot: queued calls may start. */
  released(s: EndpointState): void;
  /** Endpoints the balancer has: the bound on re-picks of one call. */
  endpointCount(): number;
  /** The endpoint's limiter (`endpointLimit`), created on first use; undefined without the option. */
  limiter(s: EndpointState): InternalPolicy | undefined;
}

/**
 * One attempt on one picked endpoint: in-flight accounting, the endpoint's breaker, a re-pick when
 * that breaker refuses, then the outcome recorded where strategies, outlier detection and
 * `request` listeners see it.
 */
export class EndpointCalls {
  private readonly deps: CallDeps;
  /** Source of refusal marks (one per call that saw a refusal). */
  private marks = 0;

  constructor(deps: CallDeps) {
    this.deps = deps;
  }

  /**
   * `mark`/`repicks`: set on re-picks — the call's refusal mark and how many refusals it has seen.
   * Picks skip endpoints whose breaker would refuse (LevelPlan's admit), so a refusal here means a
   * breaker could not tell in advance (a store without `probeAvailable`, a custom breaker) or
   * changed state since; each refused endpoint is marked and skipped by this call's later picks,
   * so at most one refusal per endpoint, bounded by the endpoint count.
   */
  run<T>(s: EndpointState, fn: PolicyFn<T>, ctx: Ctx, mark = 0, repicks = 0, avoid?: ReadonlySet<string>): Promise<T> {
    const d = this.deps;
    s.inFlight++;
    d.gate.start();
    s.owner?.onStart?.(s);
    const a = new EndpointAttempt<T>(this, s, fn, ctx, mark, repicks, avoid, d.clock.now());
    let p: Promise<T>;
    try {
      const limiter = d.limiter(s);
      const breaker = s.breaker;
      if (limiter === undefined && breaker === undefined) {
        // Nothing can turn the call away before it reaches the endpoint: no wrapper function.
        a.invoked = true;
        p = invoke(fn, a.attempt);
      } else {
        // Latency is the endpoint's: time spent waiting in an endpoint limiter's queue is not in it.
        const call = (c: AttemptContext): T | PromiseLike<T> => {
          a.invoked = true;
          a.start = d.clock.now();
          return fn(c);
        };
        const guarded = (c: AttemptContext): Promise<T> =>
          breaker === undefined ? invoke(call, c) : asInternal(breaker).run(call, c as Ctx);
        p = limiter === undefined ? guarded(a.attempt) : limiter.run(guarded, a.attempt);
      }
    } catch (e) {
      p = Promise.reject(e);
    }
    return p.then(a.onValue, a.onError);
  }

  /** The attempt `a` resolved. */
  succeeded<T>(a: EndpointAttempt<T>, result: T): T {
    this.finish(a.s, a.start, this.deps.isResultFailure?.(result) !== true, result, undefined, false);
    return result;
  }

  /** The attempt `a` rejected: a refusal before the endpoint (re-pick), or the endpoint's failure. */
  failed<T>(a: EndpointAttempt<T>, e: unknown): Promise<T> {
    const d = this.deps;
    const s = a.s;
    if (!a.invoked) {
      // Nothing reached the endpoint: its limiter turned the call away (its error reaches the
      // caller, no verdict), or its breaker refused (open, or half-open with its probe slots
      // taken): try another endpoint rather than fail the caller.
      this.finish(s, a.start, undefined, undefined, e, false);
      if (!(e instanceof BrokenCircuitError)) return Promise.reject(e);
      if (a.repicks + 1 >= d.endpointCount()) return Promise.reject(noEndpointOpen(a.repicks + 1));
      const m = a.mark > 0 ? a.mark : ++this.marks;
      s.refusedMark = m;
      return d.next(a.fn, a.ctx, m, a.repicks + 1, a.avoid);
    }
    // Aborted for anything but a timeout (a losing hedge, the caller): no verdict on the endpoint.
    const cancelled = isCancelled(a.attempt, e);
    // EMFILE, EADDRNOTAVAIL…: this process ran out of something; the endpoint is not to blame.
    const local = !cancelled && isLocalResourceError(e);
    this.finish(s, a.start, cancelled || local ? undefined : !d.isFailure(e), undefined, e, cancelled, local);
    return Promise.reject(e);
  }

  /**
   * One call on `s` ended. `success` undefined: cancelled or refused, no verdict on the endpoint.
   * A cancelled call's `request` event says `cancelled: true` (and `success: false`); its elapsed
   * time still raises the latency estimate as a lower bound (see EndpointState.observeLowerBound).
   */
  private finish(
    s: EndpointState,
    start: number,
    success: boolean | undefined,
    result: unknown,
    error: unknown,
    cancelled: boolean,
    local = false,
  ): void {
    const d = this.deps;
    const now = d.clock.now();
    const durationMs = Math.max(0, now - start);
    s.inFlight--;
    // Observe before the picker hears of it: strategies that score endpoints (p2cEwma) recompute
    // from the fresh estimate on completion, so picks never have to.
    if (!s.removed) {
      if (success !== undefined) s.observe(durationMs, success, now, d.decayMs);
      // A cancelled call is a lower bound on the latency, fed to the estimate only (no error rate,
      // outlier count, adaptive reward or breaker outcome: it stays neutral for those).
      else if (cancelled) s.observeLowerBound(durationMs, now, d.decayMs);
    }
    s.owner?.onEnd?.(s, durationMs, success);
    // The request event goes out before the ejection it may cause, so listeners see cause then effect.
    if (d.emitter.has('request')) {
      const status = statusOf(error === undefined ? result : error);
      const e: RequestEvent = { endpoint: s.id, durationMs, success: success === true };
      if (status !== undefined) e.status = status;
      if (error !== undefined) e.error = error;
      if (s.region !== '') e.region = s.region;
      if (cancelled) e.cancelled = true;
      if (local) e.local = true;
      d.emitter.emit('request', e);
    }
    if (success !== undefined && !s.removed) {
      if (success) d.outlier?.success(s);
      else d.outlier?.failure(s);
    }
    d.gate.end();
    d.released(s);
  }
}

/** Every endpoint refused this call (the re-pick bound was reached). */
function noEndpointOpen(refusals: number): NoHealthyEndpointError {
  return new NoHealthyEndpointError(
    'open',
    `the circuit breaker of every endpoint refused the call (${refusals} refusals)`,
  );
}

/**
 * One attempt on one picked endpoint, as {@link EndpointCalls.run} tracks it: an object with two
 * settle handlers instead of an async frame and a closure per step (the adapters' hot path).
 */
class EndpointAttempt<T> {
  /** The context the endpoint's call runs in (`ctx.endpoint` set). */
  readonly attempt: Ctx;
  /** True once the call was handed to the endpoint (not refused by its limiter or breaker). */
  invoked = false;

  constructor(
    private readonly calls: EndpointCalls,
    readonly s: EndpointState,
    readonly fn: PolicyFn<T>,
    readonly ctx: Ctx,
    readonly mark: number,
    readonly repicks: number,
    readonly avoid: ReadonlySet<string> | undefined,
    /** When the endpoint's call started; time spent in an endpoint limiter's queue is not in it. */
    public start: number,
  ) {
    this.attempt = ctx.derive(ctx.attempt, s.endpoint);
  }

  readonly onValue = (result: T): T => this.calls.succeeded(this, result);
  readonly onError = (e: unknown): Promise<T> => this.calls.failed(this, e);
}
