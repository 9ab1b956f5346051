import { deferToEventLoop } from '../clock.js';
import { Emitter, withContext } from '../events.js';
import { isNonRetryable } from '../kernel/non-retryable.js';
import { executeWith, invoke, listenAbort, unlistenAbort, type Ctx, type InternalPolicy } from '../execution.js';
import type { ExecuteOptions, PolicyFn } from '../policy.js';
import { resolveRetryOptions, type ResolvedRetryOptions } from './retry-options.js';
import { retryAfterMsOf } from './retry-after.js';
import type { GiveUpReason, RetryEvents, RetryOptions, RetryPolicy } from './retry-types.js';

export { isRetryableError, MAX_ATTEMPTS } from './retry-options.js';
export type { RetryEvent, GiveUpEvent, GiveUpReason, RetryOptions, RetryPolicy, RetryEvents } from './retry-types.js';

/** `nextDelay()`: do not retry, and this is not "giving up" (declined by retryOn, aborted, non-retryable). */
const STOP = 'stop';

/** A predicate that throws means "no": it must not replace the caller's outcome with its own error. */
function safely<A>(predicate: (x: A, attempt: number) => boolean, x: A, attempt: number): boolean {
  try {
    return predicate(x, attempt) === true;
  } catch {
    return false;
  }
}

/** Releases a discarded result's body (a fetch `Response` retried on its result) so its connection is freed. */
function discard(value: unknown): void {
  const body =
    typeof value === 'object' && value !== null
      ? (value as { body?: { cancel?: unknown }; bodyUsed?: unknown }).body
      : undefined;
  if (
    body !== null &&
    typeof body === 'object' &&
    typeof body.cancel === 'function' &&
    (value as { bodyUsed?: unknown }).bodyUsed !== true
  ) {
    try {
      void (body.cancel as () => Promise<void>).call(body).then(undefined, () => undefined);
    } catch {
      // Already locked or cancelled: nothing to release.
    }
  }
}

class Retry implements InternalPolicy, RetryPolicy {
  private events: Emitter<RetryEvents> | undefined;

  constructor(private readonly options: ResolvedRetryOptions) {}

  execute<T>(fn: PolicyFn<T>, opts?: ExecuteOptions): Promise<T> {
    return executeWith(this, fn, opts);
  }

  on<K extends keyof RetryEvents>(event: K, fn: (e: RetryEvents[K]) => void): () => void {
    return (this.events ??= new Emitter<RetryEvents>()).on(event, fn);
  }

  run<T>(fn: PolicyFn<T>, ctx: Ctx): Promise<T> {
    const o = this.options;
    o.budget?.recordRequest();
    // Fast path: the first attempt costs one promise reaction; the loop only exists after a failure.
    if (o.maxAttempts === 1) return invoke(fn, ctx);
    if (o.retryOnResult === undefined)
      return invoke(fn, ctx).then(undefined, (error: unknown) => this.retryLoop(fn, ctx, true, error, undefined));
    return invoke(fn, ctx).then(
      (value) => (this.wantsRetry(value, 1) ? this.retryLoop(fn, ctx, false, undefined, value) : value),
      (error: unknown) => this.retryLoop(fn, ctx, true, error, undefined),
    );
  }

  /** True when `retryOnResult` asks to retry `value` (`retry` = 1-based number of the retry it would be). */
  private wantsRetry(value: unknown, retry: number): boolean {
    return this.options.retryOnResult !== undefined && safely(this.options.retryOnResult, value, retry);
  }

  /** Retries after a failed attempt (`failed`, `error`) or a result `retryOnResult` rejected (`value`). */
  private async retryLoop<T>(
    fn: PolicyFn<T>,
    ctx: Ctx,
    failed: boolean,
    error: unknown,
    value: T | undefined,
  ): Promise<T> {
    let previousMs: number | undefined;
    for (let retry = 1; ; retry++) {
      const next = this.nextDelay(retry, failed, failed ? error : value, previousMs, ctx);
      if (typeof next === 'string') {
        if (next !== STOP && this.events?.has('giveUp') === true) {
          this.events.emit(
            'giveUp',
            withContext(
              failed
                ? { attempts: retry, reason: next, error }
                : { attempts: retry, reason: next, error: undefined, value },
              ctx.context,
            ),
          );
        }
        if (failed) throw error;
        return value as T;
      }
      const delayMs = next;
      if (this.events?.has('retry') === true) {
        this.events.emit(
          'retry',
          withContext(
            failed ? { attempt: retry, delayMs, error } : { attempt: retry, delayMs, error: undefined, value },
            ctx.context,
          ),
        );
      }
      if (!failed) discard(value);
      // A zero delay still yields to the event loop (setImmediate via the clock): a synchronously
      // failing fn must not run its attempts back to back on microtasks, starving timers and I/O.
      if (delayMs > 0) await this.sleep(delayMs, ctx);
      else await this.yieldTurn();
      if (ctx.aborted) throw ctx.abortReason;
      previousMs = delayMs;
      try {
        value = await invoke(fn, ctx.derive(ctx.attempt + retry));
        if (!this.wantsRetry(value, retry + 1)) return value;
        failed = false;
        error = undefined;
      } catch (e) {
        failed = true;
        error = e;
        value = undefined;
      }
    }
  }

  /**
   * The wait before retry number `retry`, or why it is not made: {@link STOP} (declined, aborted,
   * non-retryable) or a {@link GiveUpReason}.
   */
  private nextDelay(
    retry: number,
    failed: boolean,
    outcome: unknown,
    previousMs: number | undefined,
    ctx: Ctx,
  ): number | GiveUpReason | typeof STOP {
    const o = this.options;
    // Adapters mark failures of non-idempotent requests (POST without Idempotency-Key): never resend.
    if (ctx.aborted || (failed && isNonRetryable(outcome))) return STOP;
    if (retry >= o.maxAttempts) return 'maxAttempts';
    if (failed && !safely(o.retryOn, outcome, retry)) return STOP;
    let delayMs: number | undefined;
    if (o.respectRetryAfter) {
      const hint = retryAfterMsOf(outcome);
      if (hint !== undefined) {
        // Documented choice: a hint above maxRetryAfterMs ends retrying instead of being clamped.
        if (hint > o.maxRetryAfterMs) return 'retryAfter';
        delayMs = hint;
      }
    }
    if (delayMs === undefined) {
      const d = o.backoff.delayMs(retry, previousMs);
      delayMs = Number.isFinite(d) && d > 0 ? d : 0;
    }
    if (o.budget !== undefined && !o.budget.tryRetry()) return 'budget';
    return delayMs;
  }

  /** Resolves on a later event-loop turn (no time passes on a ManualClock). */
  private yieldTurn(): Promise<void> {
    return new Promise((resolve) => {
      deferToEventLoop(this.options.clock, resolve);
    });
  }

  /** Waits `ms`; rejects at once (timer cleared) when the call is aborted meanwhile. */
  private sleep(ms: number, ctx: Ctx): Promise<void> {
    const clock = this.options.clock;
    if (!ctx.abortable)
      return new Promise((resolve) => {
        clock.setTimeout(resolve, ms);
      });
    const signal = ctx.signal;
    if (signal.aborted) return Promise.reject(ctx.abortReason);
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        clock.clearTimeout(handle);
        reject(ctx.abortReason);
      };
      const handle = clock.setTimeout(() => {
        unlistenAbort(signal, onAbort);
        resolve();
      }, ms);
      listenAbort(signal, onAbort);
    });
  }
}

/**
 * Retries failed attempts — and, with `retryOnResult`, unwanted results — with backoff,
 * Retry-After and an optional budget. Events: `retry` before each retry, `giveUp` when a call
 * still failing stops being retried (attempts, budget or Retry-After exhausted).
 */
export function retry(o: RetryOptions = {}): RetryPolicy {
  return new Retry(resolveRetryOptions(o));
}
