import type { AttemptContext } from '@breakwater/core';
import { attemptAbortState, onAttemptAbort } from '@breakwater/core/internal';

/** What fetch needs of a dispatcher (Node's bundled undici and npm undici alike). */
interface DispatcherLike {
  dispatch(options: object, handler: object): boolean;
}

/** undici's legacy handler interface, which fetch's handler implements. */
type LegacyHandler = Record<string, ((...args: unknown[]) => unknown) | undefined> & {
  onConnect?: (abort: (reason?: unknown) => void, context?: unknown) => void;
  /** undici fetch's handler keeps the request's abort function here once connected (null before). */
  abort?: (reason?: unknown) => void;
};

/** True for undici fetch's own handler, which records its request's abort function in `abort`. */
function recordsAbort(h: LegacyHandler): boolean {
  const abort = h.abort as unknown;
  return 'abort' in h && (abort === null || typeof abort === 'function') && typeof h.onConnect === 'function';
}

/**
 * fetch's handler with `onConnect` observed. Every method calls the handler's own with the handler
 * as `this`. A class with fixed methods rather than `Object.create(handler)`: turning fetch's
 * handler into a prototype would cost a map transition per request.
 */
class ConnectObserver {
  constructor(
    private readonly handler: LegacyHandler,
    private readonly owner: AbortableDispatch,
  ) {}
  onConnect(abort: (reason?: unknown) => void, context?: unknown): void {
    this.handler.onConnect?.(abort, context);
    this.owner.connected(abort);
  }
  onResponseStarted(): unknown {
    return this.handler.onResponseStarted?.();
  }
  onHeaders(...a: unknown[]): unknown {
    return this.handler.onHeaders?.(...a);
  }
  onData(chunk: unknown): unknown {
    return this.handler.onData?.(chunk);
  }
  onComplete(trailers: unknown): unknown {
    return this.handler.onComplete?.(trailers);
  }
  onError(err: unknown): unknown {
    if (this.handler.onError === undefined) throw err;
    return this.handler.onError(err);
  }
  onUpgrade(...a: unknown[]): unknown {
    return this.handler.onUpgrade?.(...a);
  }
  onBodySent(chunk: unknown): unknown {
    return this.handler.onBodySent?.(chunk);
  }
  onRequestSent(): unknown {
    return this.handler.onRequestSent?.();
  }
}

/** Makes `h` abort its request with `reason` as soon as it connects (an abort before the connect). */
function abortOnConnect(h: LegacyHandler, reason: unknown): void {
  const onConnect = h.onConnect!;
  h.onConnect = function (this: LegacyHandler, abort, context) {
    onConnect.call(this, abort, context);
    abort(reason);
  };
}

/**
 * Aborts one attempt's request through the dispatcher instead of an AbortSignal given to fetch.
 *
 * Why: undici's fetch pays dearly for an `init.signal` — an AbortController of its own, listeners,
 * `setMaxListeners` and a FinalizationRegistry entry per request, plus the GC work they cause — on
 * the order of a tenth of a small request's CPU time. When the attempt can be aborted only by a
 * timeout or hedge (not by the caller's signal) and we own the dispatcher (a balanced endpoint's
 * pool), we hand fetch a per-attempt view of the pool that records the abort function undici gives
 * each request at connect (`onConnect(abort)`), and call it when the attempt's context aborts —
 * before the connect, the abort is applied as soon as the request reaches a socket. The context is
 * watched through its abort hook (`onAttemptAbort`): no AbortSignal is created. Redirect hops are
 * dispatched through the same view, so the current hop is the one aborted.
 */
export class AbortableDispatch implements DispatcherLike {
  private abortRequest: ((reason?: unknown) => void) | undefined;
  /** The current hop's handler when it is undici fetch's (see `recordsAbort`): no wrapper needed. */
  private current: LegacyHandler | undefined;
  private reason: unknown;
  private aborted = false;
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly base: DispatcherLike,
    private readonly ctx: AttemptContext,
  ) {
    const state = attemptAbortState(ctx);
    if (state.aborted) {
      this.aborted = true;
      this.reason = state.reason;
    } else {
      this.unsubscribe = onAttemptAbort(ctx, this.onAbort);
    }
  }

  dispatch(options: object, handler: object): boolean {
    const h = handler as LegacyHandler;
    if (recordsAbort(h)) {
      // undici fetch's handler: its `abort` is the request's abort function once connected.
      // Why: wrapping every handler callback cost ~1 µs per request (bench:adapters profile).
      this.current = h;
      if (this.aborted) abortOnConnect(h, this.reason);
      return this.base.dispatch(options, h);
    }
    return this.base.dispatch(options, new ConnectObserver(h, this));
  }

  /** @internal Called by the observer with the abort function of the request now on a socket. */
  connected(abort: (reason?: unknown) => void): void {
    this.abortRequest = abort;
    if (this.aborted) abort(this.reason);
  }

  /** Stops watching the attempt's context (the attempt settled). Idempotent. */
  release(): void {
    const off = this.unsubscribe;
    if (off === undefined) return;
    this.unsubscribe = undefined;
    off();
  }

  /** Settle handlers of the attempt's fetch: stop watching, pass the outcome on. */
  readonly releaseWith = (res: Response): Response => {
    this.release();
    return res;
  };

  readonly releaseThrowing = (e: unknown): never => {
    this.release();
    throw e;
  };

  private readonly onAbort = (): void => {
    // The hook may fire more than once for one abort.
    if (this.aborted) return;
    this.release();
    this.aborted = true;
    const reason = attemptAbortState(this.ctx).reason;
    this.reason = reason;
    this.abortRequest?.(reason);
    const h = this.current;
    if (h === undefined) return;
    if (typeof h.abort === 'function') h.abort(reason);
    else abortOnConnect(h, reason);
  };
}
