import type { AttemptContext } from '@breakwater/core';
import { attemptAbortState, onAttemptAbort } from '@breakwater/core/internal';

/** What fetch needs of a dispatcher (Node's bundled undici and npm undici alike). */
interface DispatcherLike {
  dispatch(options: object, handler: object): boolean;
}

/** undici's legacy handler interface, which fetch's handler implements. */
type LegacyHandler = Record<string, ((...args: unknown[]) => unknown) | undefined> & {
  onConnect?: (abort: (reason?: unknown) => void, context?: unknown) => void;
};

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
    return this.base.dispatch(options, new ConnectObserver(handler as LegacyHandler, this));
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
    this.reason = attemptAbortState(this.ctx).reason;
    this.abortRequest?.(this.reason);
  };
}
