import type { Clock } from '../clock.js';
import { BrokenCircuitError, TimeoutError } from '../errors.js';
import type { Emitter } from '../events.js';
import { asInternal, invoke, type Ctx } from '../execution.js';
import { statusOf } from '../http/status.js';
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
   * Another endpoint after `refused`'s breaker turned a call away (the plan is invalidated first);
   * undefined when the balancer stopped or none is available.
   */
  repick(key: string | undefined): EndpointState | undefined;
}

/** Breaker refusals re-pick at most this many times before the caller gets the rejection. */
const MAX_REPICKS = 2;

/**
 * One attempt on one picked endpoint: in-flight accounting, the endpoint's breaker, a re-pick when
 * that breaker refuses, then the outcome recorded where strategies, outlier detection and
 * `request` listeners see it.
 */
export class EndpointCalls {
  private readonly d: CallDeps;

  constructor(deps: CallDeps) {
    this.d = deps;
  }

  async run<T>(s: EndpointState, fn: PolicyFn<T>, ctx: Ctx, repicks = 0): Promise<T> {
    const d = this.d;
    s.inFlight++;
    d.gate.start();
    s.owner?.onStart?.(s);
    const attempt = ctx.derive(ctx.attempt, s.endpoint);
    const start = d.clock.now();
    let invoked = false;
    const call = (c: AttemptContext): T | PromiseLike<T> => {
      invoked = true;
      return fn(c);
    };
    let result: T;
    try {
      result = await (s.breaker === undefined ? invoke(call, attempt) : asInternal(s.breaker).run(call, attempt));
    } catch (e) {
      if (!invoked) {
        // The endpoint's breaker refused (open, or half-open with its probe slots taken): nothing
        // reached the endpoint, so try another one rather than fail the caller.
        this.finish(s, start, undefined, undefined, e);
        if (e instanceof BrokenCircuitError && repicks < MAX_REPICKS) {
          const other = d.repick(ctx.key);
          if (other !== undefined) return this.run(other, fn, ctx, repicks + 1);
        }
        throw e;
      }
      const reason = attempt.abortReason;
      const cancelled = attempt.aborted && !(reason instanceof TimeoutError) && !(e instanceof TimeoutError);
      this.finish(s, start, cancelled ? undefined : !d.isFailure(e), undefined, e);
      throw e;
    }
    this.finish(s, start, d.isResultFailure?.(result) !== true, result, undefined);
    return result;
  }

  /** One call on `s` ended. `success` undefined: cancelled or refused, no verdict on the endpoint. */
  private finish(s: EndpointState, start: number, success: boolean | undefined, result: unknown, error: unknown): void {
    const d = this.d;
    const now = d.clock.now();
    const durationMs = Math.max(0, now - start);
    s.inFlight--;
    // Observe before the picker hears of it: strategies that score endpoints (p2cEwma) recompute
    // from the fresh estimate on completion, so picks never have to.
    if (success !== undefined && !s.removed) s.observe(durationMs, success, now, d.decayMs);
    s.owner?.onEnd?.(s, durationMs, success);
    // The request event goes out before the ejection it may cause, so listeners see cause then effect.
    if (d.emitter.has('request')) {
      const status = statusOf(error === undefined ? result : error);
      const e: RequestEvent = { endpoint: s.id, durationMs, success: success === true };
      if (status !== undefined) e.status = status;
      if (error !== undefined) e.error = error;
      if (s.region !== '') e.region = s.region;
      d.emitter.emit('request', e);
    }
    if (success !== undefined && !s.removed) {
      if (success) d.outlier?.success(s);
      else d.outlier?.failure(s);
    }
    d.gate.end();
  }
}
