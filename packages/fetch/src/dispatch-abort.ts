import { listenAbort, unlistenAbort } from '@breakwater/core/internal';

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
 * the order of a tenth of a small request's CPU time. When the attempt's signal is a timeout's or
 * hedge's (not the caller's) and we own the dispatcher (a balanced endpoint's pool), we hand fetch
 * a per-attempt view of the pool that records the abort function undici gives each request at
 * connect (`onConnect(abort)`), and call it when the attempt's signal fires — before the connect,
 * the abort is applied as soon as the request reaches a socket. Redirect hops are dispatched
 * through the same view, so the current hop is the one aborted.
 */
export class AbortableDispatch implements DispatcherLike {
  private abortRequest: ((reason?: unknown) => void) | undefined;
  private reason: unknown;
  private aborted = false;
  private listening = true;

  constructor(
    private readonly base: DispatcherLike,
    private readonly signal: AbortSignal,
  ) {
    if (signal.aborted) {
      this.aborted = true;
      this.reason = signal.reason;
      this.listening = false;
    } else {
      listenAbort(signal, this.onAbort);
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

  /** Stops listening to the attempt's signal (the attempt settled). Idempotent. */
  release(): void {
    if (!this.listening) return;
    this.listening = false;
    unlistenAbort(this.signal, this.onAbort);
  }

  private readonly onAbort = (): void => {
    this.listening = false;
    this.aborted = true;
    this.reason = this.signal.reason;
    this.abortRequest?.(this.reason);
  };
}
