import { FANS_OUT, listenAbort, unlistenAbort } from '../kernel/abort-fanout.js';
import { SmallSet } from '../kernel/small-set.js';
import type { AttemptContext } from '../policy.js';

interface Hookable {
  whenAborted?: (fn: () => void) => () => void;
  aborted?: boolean;
  abortReason?: unknown;
}

/**
 * Calls `fn` when the attempt `ctx` is aborted (timeout, losing hedge, the caller), without
 * creating an AbortSignal when the context can do without one (Breakwater's own contexts):
 * transports that abort by other means save an AbortController per attempt. `fn` may be called
 * more than once. Returns the unsubscribe function.
 */
export function onAttemptAbort(ctx: AttemptContext, fn: () => void): () => void {
  const hook = (ctx as Hookable).whenAborted;
  if (typeof hook === 'function') return hook.call(ctx, fn);
  const signal = ctx.signal;
  listenAbort(signal, fn);
  return () => unlistenAbort(signal, fn);
}

/** Whether the attempt `ctx` is aborted, and why (without creating an AbortSignal when avoidable). */
export function attemptAbortState(ctx: AttemptContext): { aborted: boolean; reason: unknown } {
  const h = ctx as Hookable;
  if (typeof h.aborted === 'boolean') return { aborted: h.aborted, reason: h.abortReason };
  return { aborted: ctx.signal.aborted, reason: ctx.signal.reason };
}

/**
 * A per-attempt object with the AbortSignal interface (`aborted`, `reason`, add/removeEventListener)
 * backed by the attempt's context, for transports that duck-type signals (axios). No
 * AbortController is created; listeners are attached to the context only while some exist.
 */
export class AttemptSignalLike {
  onabort: null = null;
  /** Core's `listenAbort` adds to our listener list directly (see FANS_OUT). */
  readonly [FANS_OUT] = true as const;
  /** A set holding its first member in a field: one listener (axios adds one) allocates no array. */
  private listeners: SmallSet<(e: { type: 'abort' }) => void> | undefined;
  private unsubscribe: (() => void) | undefined;
  private fired = false;

  constructor(private readonly ctx: AttemptContext) {}

  get aborted(): boolean {
    const h = this.ctx as Hookable;
    return typeof h.aborted === 'boolean' ? h.aborted : this.ctx.signal.aborted;
  }

  get reason(): unknown {
    const h = this.ctx as Hookable;
    return typeof h.aborted === 'boolean' ? h.abortReason : this.ctx.signal.reason;
  }

  throwIfAborted(): void {
    const s = attemptAbortState(this.ctx);
    if (s.aborted) throw s.reason;
  }

  addEventListener(type: string, fn: (e: { type: 'abort' }) => void): void {
    if (type !== 'abort' || this.fired) return;
    // As an EventTarget: the same listener added twice is called once (a set).
    (this.listeners ??= new SmallSet()).add(fn);
    this.unsubscribe ??= onAttemptAbort(this.ctx, this.fire);
  }

  removeEventListener(_type: string, fn: (e: { type: 'abort' }) => void): void {
    const l = this.listeners;
    if (l === undefined) return;
    l.delete(fn);
    if (l.isEmpty && this.unsubscribe !== undefined) {
      this.unsubscribe();
      this.unsubscribe = undefined;
    }
  }

  private readonly fire = (): void => {
    if (this.fired) return;
    this.fired = true;
    const l = this.listeners;
    this.listeners = undefined;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    if (l === undefined) return;
    for (const fn of l) {
      try {
        fn({ type: 'abort' });
      } catch (e) {
        // One throwing listener must not keep the others from running (as core's abort fan-out).
        process.emitWarning(`Breakwater: abort listener threw: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  };
}
