import { systemClock, type Clock } from '../clock.js';
import { TimeoutError } from '../errors.js';
import { executeWith, invoke, listenAbort, unlistenAbort, type Ctx, type InternalPolicy } from '../execution.js';
import type { ExecuteOptions, Policy, PolicyFn } from '../policy.js';
import { checkClock, checkNumber, checkOptions } from '../policies/validate.js';

/** Options of {@link timeout}. */
export interface TimeoutOptions {
  clock?: Clock;
}

/**
 * One call under a timeout. A class rather than closures: one object carries the timer callback,
 * the settle handlers and the abort hook, so a call allocates a single object besides its promise.
 */
class TimedCall<T> {
  settled = false;
  handle: unknown;
  resolve!: (v: T) => void;
  reject!: (e: unknown) => void;
  /** The parent's signal we listen on, when the parent can be aborted from outside. */
  parentSignal: AbortSignal | undefined;

  constructor(private readonly owner: Timeout, readonly parent: Ctx, readonly child: Ctx) {}

  readonly onTimeout = (): void => {
    if (this.settled) return;
    const error = new TimeoutError(this.owner.ms);
    this.child.abort(error);
    this.finish();
    this.reject(error);
  };

  readonly onParentAbort = (): void => {
    if (this.settled) return;
    this.owner.clock.clearTimeout(this.handle);
    const reason = this.parent.abortReason;
    this.child.abort(reason);
    this.finish();
    this.reject(reason);
  };

  readonly onValue = (v: T): void => {
    if (this.settled) return;
    this.owner.clock.clearTimeout(this.handle);
    this.finish();
    this.resolve(v);
  };

  readonly onError = (e: unknown): void => {
    if (this.settled) return;
    this.owner.clock.clearTimeout(this.handle);
    this.finish();
    this.reject(e);
  };

  private finish(): void {
    this.settled = true;
    this.child.dispose();
    if (this.parentSignal !== undefined) unlistenAbort(this.parentSignal, this.onParentAbort);
  }
}

class Timeout implements InternalPolicy {
  constructor(readonly ms: number, readonly clock: Clock) {}

  execute<T>(fn: PolicyFn<T>, opts?: ExecuteOptions): Promise<T> {
    return executeWith(this, fn, opts);
  }

  run<T>(fn: PolicyFn<T>, ctx: Ctx): Promise<T> {
    if (ctx.aborted) return Promise.reject(ctx.abortReason);
    const call = new TimedCall<T>(this, ctx, ctx.fork());
    const promise = new Promise<T>((resolve, reject) => {
      call.resolve = resolve;
      call.reject = reject;
    });
    call.handle = this.clock.setTimeout(call.onTimeout, this.ms);
    if (ctx.abortable) {
      // The caller (or an outer timeout/hedge) may abort: settle at once and clear the timer then.
      const signal = ctx.signal;
      call.parentSignal = signal;
      listenAbort(signal, call.onParentAbort);
    }
    invoke(fn, call.child).then(call.onValue, call.onError);
    return promise;
  }
}

/**
 * Rejects with {@link TimeoutError} when the call takes longer than `ms`, and aborts `ctx.signal`
 * of the inner call so it can stop its work. One timer per call, cleared when the call settles.
 * A function that ignores its signal still has its caller rejected at the deadline.
 */
export function timeout(ms: number, o: TimeoutOptions = {}): Policy {
  const checked = checkNumber('timeout.ms', ms, { minExclusive: 0 });
  checkOptions('timeout', o, false);
  checkClock('timeout.clock', o.clock);
  return new Timeout(checked, o.clock ?? systemClock);
}
