import { isTimeout } from '../kernel/abort-reasons.js';
import { systemClock } from '../clock.js';
import { BulkheadRejectedError, TimeoutError, isBreakwaterError } from '../errors.js';
import { Emitter, withContext } from '../events.js';
import { executeWith, invoke, type Ctx, type InternalPolicy } from '../execution.js';
import { WaitQueue } from '../internal/wait-queue.js';
import type { ExecuteOptions, Policy, PolicyFn } from '../policy.js';
import { algorithmFor, type LimitAlgorithm } from './algorithms.js';
import { resolveAdaptiveOptions, type AdaptiveConcurrencyOptions, type ResolvedAdaptiveOptions } from './options.js';
import { BaselineRtt, SampleWindow } from './sample-window.js';

/** Why the limit changed. */
export type LimitChangeReason = 'latency' | 'drop' | 'probe-start' | 'probe-end' | 'rebased';

/** Payload of the `limitChange` event. */
export interface LimitChangeEvent {
  from: number;
  to: number;
  reason: LimitChangeReason;
  /** Average latency of the window that caused the change (ms), when it had non-drop samples. */
  rttMs: number | undefined;
  /** The no-load latency estimate (gradient2, vegas), when known. */
  baselineRttMs: number | undefined;
  inFlight: number;
  at: number;
}

/** Payload of the `rejected` event. */
export interface AdaptiveRejectedEvent {
  limit: number;
  inFlight: number;
  queued: number;
  at: number;
  /** The call's `ExecuteOptions.context` (non-enumerable): correlates the event with its call. */
  readonly context: Record<string, unknown>;
}

// A type alias, not an interface: it satisfies the Emitter's Record<string, unknown> constraint.
type AdaptiveEvents = {
  limitChange: LimitChangeEvent;
  rejected: AdaptiveRejectedEvent;
};

/** An adaptive concurrency limiter: a {@link Policy} with live figures and events. */
export interface AdaptiveConcurrencyPolicy extends Policy {
  /** Calls allowed to run at once now. */
  readonly limit: number;
  /** Calls running now (may briefly exceed `limit` right after it shrank; no call starts then). */
  readonly inFlight: number;
  /** Calls waiting for a slot now. */
  readonly queued: number;
  /** The no-load latency estimate in ms (gradient2, vegas), once measured. */
  readonly baselineRttMs: number | undefined;
  on(event: 'limitChange', fn: (e: LimitChangeEvent) => void): () => void;
  on(event: 'rejected', fn: (e: AdaptiveRejectedEvent) => void): () => void;
}

/** One running call: when it started, and how its outcome feeds the limiter. */
class Running {
  constructor(
    private readonly owner: AdaptiveLimiter,
    private readonly ctx: Ctx,
    private readonly startedAt: number,
  ) {}
  readonly onValue = (): void => this.owner.settle(this.ctx, this.startedAt, false, undefined);
  readonly onError = (e: unknown): void => this.owner.settle(this.ctx, this.startedAt, true, e);
}

class AdaptiveLimiter implements InternalPolicy, AdaptiveConcurrencyPolicy {
  inFlight = 0;
  private estimate: number;
  private current: number;
  private readonly waiters = new WaitQueue(
    () => this.inFlight < this.current,
    (fn, ctx) => this.start(fn, ctx),
  );
  private readonly events = new Emitter<AdaptiveEvents>();
  private readonly algorithm: LimitAlgorithm;
  private readonly baseline: BaselineRtt | undefined;
  private readonly window: SampleWindow;
  /** Durations need sub-millisecond resolution: Date.now() would read a 0.3 ms upstream as 0 or 1 ms. */
  private readonly now: () => number;

  constructor(private readonly options: ResolvedAdaptiveOptions) {
    const clock = options.clock ?? systemClock;
    this.now = clock.hiResNow !== undefined ? clock.hiResNow.bind(clock) : () => clock.now();
    this.algorithm = algorithmFor(options);
    this.baseline = this.algorithm.usesBaseline ? new BaselineRtt(options.baselineIntervalMs) : undefined;
    this.window = new SampleWindow(this.now(), options.minWindowSamples);
    this.estimate = options.initialLimit;
    this.current = this.effectiveLimit();
  }

  get limit(): number {
    return this.current;
  }

  get queued(): number {
    return this.waiters.size;
  }

  get baselineRttMs(): number | undefined {
    return this.baseline?.value;
  }

  on(event: 'limitChange', fn: (e: LimitChangeEvent) => void): () => void;
  on(event: 'rejected', fn: (e: AdaptiveRejectedEvent) => void): () => void;
  on<K extends keyof AdaptiveEvents>(event: K, fn: (e: AdaptiveEvents[K]) => void): () => void {
    return this.events.on(event, fn);
  }

  execute<T>(fn: PolicyFn<T>, opts?: ExecuteOptions): Promise<T> {
    return executeWith(this, fn, opts);
  }

  run<T>(fn: PolicyFn<T>, ctx: Ctx): Promise<T> {
    if (ctx.aborted) return Promise.reject(ctx.abortReason);
    // Waiters go first: a new call never overtakes the queue (nor a slot being handed over).
    if (this.inFlight < this.current && this.waiters.size === 0) return this.start(fn, ctx);
    if (this.waiters.size >= this.options.maxQueue) {
      if (this.events.has('rejected'))
        this.events.emit(
          'rejected',
          withContext(
            { limit: this.current, inFlight: this.inFlight, queued: this.waiters.size, at: this.now() },
            ctx.context,
          ),
        );
      return Promise.reject(new BulkheadRejectedError(this.current, this.options.maxQueue, 'adaptive limit'));
    }
    return this.waiters.enqueue(fn, ctx);
  }

  private start<T>(fn: PolicyFn<T>, ctx: Ctx): Promise<T> {
    this.inFlight++;
    this.window.started(this.inFlight);
    const running = new Running(this, ctx, this.now());
    const p = invoke(fn, ctx);
    p.then(running.onValue, running.onError);
    return p;
  }

  /** A call ended: release its slot, classify its outcome, update the limit when a window closes. */
  settle(ctx: Ctx, startedAt: number, failed: boolean, error: unknown): void {
    this.inFlight--;
    const now = this.now();
    const kind = this.classify(ctx, failed, error);
    if (kind !== 'ignore') {
      const rtt = Math.max(now - startedAt, 1e-3);
      this.window.add(rtt, kind === 'drop' || rtt > this.options.dropLatencyMs);
      if (this.window.ready(now, this.baseline?.value)) this.closeWindow(now);
    }
    this.waiters.drain();
  }

  /**
   * 'ignore' for cancelled calls (caller abort, losing hedge: they say nothing about the upstream)
   * and for inner Breakwater rejections; 'drop' for timeouts and, by default, other errors.
   */
  private classify(ctx: Ctx, failed: boolean, error: unknown): 'sample' | 'drop' | 'ignore' {
    if (failed && isTimeout(error)) return 'drop';
    if (ctx.aborted) return isTimeout(ctx.abortReason) ? 'drop' : 'ignore';
    if (!failed) return 'sample';
    if (isBreakwaterError(error) && !(error instanceof TimeoutError)) return 'ignore';
    const isDrop = this.options.isDrop;
    if (isDrop === undefined) return 'drop';
    try {
      return isDrop(error) ? 'drop' : 'sample';
    } catch {
      return 'drop';
    }
  }

  private closeWindow(now: number): void {
    const w = this.window;
    const rtt = w.rttMs;
    let reason: 'latency' | 'drop' | 'probe-start' | 'probe-end' | 'rebased' = w.drops > 0 ? 'drop' : 'latency';
    const b = this.baseline;
    const signal = b === undefined ? 'none' : b.observe(rtt, now, this.current <= this.options.minLimit);
    if (signal !== 'none') reason = signal;
    // While the baseline is re-measured the estimate is frozen; the limit is halved meanwhile.
    if (b === undefined || (!b.probing && signal !== 'probe-end')) {
      const next = this.algorithm.next(this.estimate, w, b?.value);
      if (Number.isFinite(next)) this.estimate = Math.min(this.options.maxLimit, Math.max(this.options.minLimit, next));
    }
    w.reset(now, this.inFlight);
    const from = this.current;
    this.current = this.effectiveLimit();
    if (this.current !== from && this.events.has('limitChange')) {
      this.events.emit('limitChange', {
        from,
        to: this.current,
        reason,
        rttMs: rtt,
        baselineRttMs: b?.value,
        inFlight: this.inFlight,
        at: now,
      });
    }
  }

  private effectiveLimit(): number {
    const whole = Math.floor(this.estimate);
    return this.baseline?.halving === true ? Math.max(this.options.minLimit, Math.floor(whole / 2)) : whole;
  }
}

/**
 * A bulkhead whose limit follows measured latency, after Netflix's concurrency-limits and Envoy's
 * adaptive concurrency filter. Calls beyond the limit wait (up to `maxQueue`) or are rejected at
 * once with {@link BulkheadRejectedError} (`reason: 'adaptive limit'`). Latency is sampled per
 * call and aggregated per window (≥ `minWindowSamples` samples and about two round trips); each
 * window moves the limit by the chosen algorithm within [minLimit, maxLimit]. Cancelled calls feed
 * no sample; timeouts and errors are drops (see `isDrop`). No timers: nothing to close.
 */
export function adaptiveConcurrency(o?: AdaptiveConcurrencyOptions): AdaptiveConcurrencyPolicy {
  return new AdaptiveLimiter(resolveAdaptiveOptions(o));
}
