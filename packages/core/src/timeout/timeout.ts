import { systemClock, type Clock } from '../clock.js';
import { TimeoutError } from '../errors.js';
import { Emitter, withContext } from '../events.js';
import { executeWith, invoke, listenAbort, unlistenAbort, type Ctx, type InternalPolicy } from '../execution.js';
import type { ExecuteOptions, Policy, PolicyFn } from '../policy.js';
import { DeadlineQueue, type DeadlineEntry, type Deadlines } from './deadline-queue.js';
import { SettleOnce } from '../kernel/settle-once.js';
import { TickQueue } from './tick-queue.js';
import { checkOptions, checkNumber, checkClock, checkKnownKeys } from '../kernel/options.js';

/** Options of {@link timeout}. */
export interface TimeoutOptions {
  clock?: Clock;
}

/** Payload of the timeout policy's `timeout` event. */
export interface TimeoutEvent {
  /** The policy's limit. */
  timeoutMs: number;
  /** `ctx.attempt` of the call that timed out. */
  attempt: number;
  /** The call's `ExecuteOptions.context` (non-enumerable): correlates the event with its call. */
  readonly context: Record<string, unknown>;
}

/** Events of the timeout policy. */
export type TimeoutEvents = { timeout: TimeoutEvent };

/** The timeout policy: a {@link Policy} with a `timeout` event. */
export interface TimeoutPolicy extends Policy {
  /** Subscribes to `timeout` (emitted when a call is cut off); returns the unsubscribe function. */
  on(event: 'timeout', fn: (e: TimeoutEvent) => void): () => void;
}

/** One call under a timeout: its queue entry, its forked context, and how to settle its caller. */
class TimedCall<T> extends SettleOnce<T> implements DeadlineEntry {
  prev: DeadlineEntry | undefined = undefined;
  next: DeadlineEntry | undefined = undefined;
  deadline = 0;
  queued = false;
  readonly promise: Promise<T> = this.open();
  /** The parent's signal we listen on, when the parent can be aborted from outside. */
  parentSignal: AbortSignal | undefined = undefined;
  onParentAbort: (() => void) | undefined = undefined;

  constructor(
    private readonly owner: Timeout,
    readonly parent: Ctx,
    readonly child: Ctx,
  ) {
    super();
  }

  expire(): void {
    if (this.settled) return;
    const owner = this.owner;
    const error = new TimeoutError(owner.ms);
    this.fail(error);
    // Synchronously, so the inner call sees its abort before the caller's rejection is delivered.
    this.child.abort(error);
    if (owner.events?.has('timeout') === true) {
      owner.events.emit(
        'timeout',
        withContext({ timeoutMs: owner.ms, attempt: this.child.attempt }, this.parent.context),
      );
    }
  }

  abortFromParent(): void {
    if (this.settled) return;
    const reason = this.parent.abortReason;
    this.fail(reason);
    this.child.abort(reason);
  }

  readonly onValue = (v: T): void => {
    this.fulfil(v);
  };

  readonly onError = (e: unknown): void => {
    this.fail(e);
  };

  protected release(): void {
    this.owner.deadlines.remove(this);
    this.child.dispose();
    if (this.parentSignal !== undefined) unlistenAbort(this.parentSignal, this.onParentAbort!);
  }
}

class Timeout implements InternalPolicy, TimeoutPolicy {
  readonly deadlines: Deadlines;
  events: Emitter<TimeoutEvents> | undefined;

  on(event: 'timeout', fn: (e: TimeoutEvent) => void): () => void {
    return (this.events ??= new Emitter<TimeoutEvents>()).on(event, fn);
  }

  constructor(
    readonly ms: number,
    clock: Clock,
  ) {
    // By what the clock can do, not by its identity: see Clock.coarseDeadlines and TickQueue.
    this.deadlines = clock.coarseDeadlines === true ? new TickQueue(clock, ms) : new DeadlineQueue(clock, ms);
  }

  execute<T>(fn: PolicyFn<T>, opts?: ExecuteOptions): Promise<T> {
    return executeWith(this, fn, opts);
  }

  run<T>(fn: PolicyFn<T>, ctx: Ctx): Promise<T> {
    if (ctx.aborted) return Promise.reject(ctx.abortReason);
    const call = new TimedCall<T>(this, ctx, ctx.fork());
    this.deadlines.add(call);
    if (ctx.abortable) {
      // The caller (or an outer timeout/hedge) may abort: settle at once and drop the deadline.
      const signal = ctx.signal;
      call.parentSignal = signal;
      call.onParentAbort = () => call.abortFromParent();
      listenAbort(signal, call.onParentAbort);
    }
    invoke(fn, call.child).then(call.onValue, call.onError);
    return call.promise;
  }
}

/**
 * Rejects with {@link TimeoutError} when the call takes longer than `ms`, and aborts `ctx.signal`
 * of the inner call so it can stop its work. A function that ignores its signal still has its
 * caller rejected at the deadline. The calls of one timeout policy share a single timer: no timer
 * is created or cleared per call and the time is not read per call, and no timer keeps the process
 * alive once every call has settled. On the real clock a timeout fires between `ms` and `ms` + 10 %
 * (see TickQueue); on an injected clock (ManualClock) exactly at `ms`. Emits `timeout` for each
 * call it cuts off.
 */
export function timeout(ms: number, o: TimeoutOptions = {}): TimeoutPolicy {
  const checked = checkNumber('timeout.ms', ms, { minExclusive: 0 });
  checkOptions('timeout', o, false);
  checkKnownKeys('timeout', o, ['clock']);
  checkClock('timeout.clock', o.clock);
  return new Timeout(checked, o.clock ?? systemClock);
}
