import { type AttemptContext } from '@breakwater/core';
import { attemptAbortState, onAttemptAbort } from '@breakwater/core/internal';
import type { Dispatcher } from 'undici';

type Controller = Dispatcher.DispatchController;
type Handler = Dispatcher.DispatchHandler;
type Headers = Record<string, string | string[] | undefined>;

/** What an attempt reports to its logical call. */
export interface AttemptOwner {
  /** The attempt reached a socket (first time only matters: the caller's handler starts once). */
  attemptStarted(controller: Controller, context: unknown): void;
  /** The caller's handler and the controller it was given, once the attempt is chosen. */
  readonly handler: Handler;
  readonly controller: Controller;
  readonly callerPaused: boolean;
  /** Classifies a response head (same rule the policy applies). */
  isFailure(attempt: Attempt): boolean;
  /** Claims the caller's handler for `attempt`; false when another attempt (a hedge) already has it. */
  commit(attempt: Attempt): boolean;
}

type Buffered = { kind: 'data'; chunk: Buffer } | { kind: 'end'; trailers: Headers } | { kind: 'error'; error: Error };

/**
 * The handler of one attempt. It settles its promise at the response headers (what the policy
 * judges: status, Retry-After) and pauses the response until the logical call decides: forward it
 * to the caller's handler (success, or the last failure), or discard it (a retry follows). Body
 * events that still arrive before the decision are buffered and replayed in order.
 */
export class Attempt implements Handler {
  /** HTTP status (read by Breakwater's classification and `statusOf`). */
  status = 0;
  headers: Headers = {};
  statusMessage: string | undefined;
  readonly promise: Promise<Attempt>;
  private resolve!: (a: Attempt) => void;
  private reject!: (e: unknown) => void;
  private controller: Controller | undefined;
  private state: 'connecting' | 'headers' | 'forwarding' | 'discarded' = 'connecting';
  private buffer: Buffered[] | undefined;
  private abortReason: Error | undefined;
  private unsubscribe: (() => void) | undefined;

  /** `ctx`: the attempt's context when something can abort it (timeout, hedge, the caller). */
  constructor(
    private readonly owner: AttemptOwner,
    private readonly ctx: AttemptContext | undefined,
  ) {
    this.promise = new Promise<Attempt>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    if (ctx !== undefined) {
      const state = attemptAbortState(ctx);
      // No AbortSignal is created for this: the context calls back, undici's controller aborts.
      if (state.aborted) this.abortReason = state.reason as Error;
      else this.unsubscribe = onAttemptAbort(ctx, this.onAbort);
    }
  }

  /** A timeout or losing hedge aborted this attempt: stop its request, wherever it is. */
  private readonly onAbort = (): void => {
    if (this.abortReason !== undefined) return;
    this.abortReason = attemptAbortState(this.ctx!).reason as Error;
    this.controller?.abort(this.abortReason);
  };

  private settled(): void {
    const u = this.unsubscribe;
    if (u !== undefined) {
      this.unsubscribe = undefined;
      u();
    }
  }

  /** undici's controller of this attempt's request, once it started. */
  get requestController(): Controller | undefined {
    return this.controller;
  }

  /** dispatch() threw synchronously (invalid options): the attempt failed. */
  failed(e: unknown): void {
    this.settled();
    this.reject(e);
  }

  onRequestStart(controller: Controller, context: unknown): void {
    this.controller = controller;
    if (this.abortReason !== undefined) {
      controller.abort(this.abortReason);
      return;
    }
    this.owner.attemptStarted(controller, context);
  }

  onResponseStart(controller: Controller, statusCode: number, headers: Headers, statusMessage?: string): void {
    if (this.state !== 'connecting') return;
    if (statusCode < 200) return; // 1xx informational: the final response follows
    this.status = statusCode;
    this.headers = headers;
    this.statusMessage = statusMessage;
    this.controller = controller;
    this.settled();
    if (!this.owner.isFailure(this)) {
      // A success is final whatever the policy does next (it only counts it): stream it to the
      // caller now, without pausing the response — unless another attempt (a hedge) got there first.
      if (this.owner.commit(this)) {
        this.state = 'forwarding';
        this.owner.handler.onResponseStart?.(this.owner.controller, statusCode, headers, statusMessage);
      } else {
        this.state = 'discarded';
        controller.abort(new Error('response discarded by breakwater (another attempt answered first)'));
      }
      this.resolve(this);
      return;
    }
    // A failure: hold the response until the policy decides (retry → discarded; last → forwarded).
    this.state = 'headers';
    controller.pause();
    this.resolve(this);
  }

  onResponseData(_controller: Controller, chunk: Buffer): void {
    if (this.state === 'forwarding') this.owner.handler.onResponseData?.(this.owner.controller, chunk);
    else if (this.state === 'headers') (this.buffer ??= []).push({ kind: 'data', chunk });
  }

  onResponseEnd(_controller: Controller, trailers: Headers): void {
    if (this.state === 'forwarding') this.owner.handler.onResponseEnd?.(this.owner.controller, trailers);
    else if (this.state === 'headers') (this.buffer ??= []).push({ kind: 'end', trailers });
  }

  onResponseError(_controller: Controller, error: Error): void {
    if (this.state === 'connecting') {
      this.state = 'discarded';
      this.settled();
      this.reject(error);
    } else if (this.state === 'forwarding') {
      this.owner.handler.onResponseError?.(this.owner.controller, error);
    } else if (this.state === 'headers') {
      (this.buffer ??= []).push({ kind: 'error', error });
    }
  }

  /** This attempt's response goes to the caller: headers, then what was buffered, then the rest. */
  forward(): void {
    if (this.state !== 'headers' || !this.owner.commit(this)) return;
    this.state = 'forwarding';
    const { handler, controller } = this.owner;
    handler.onResponseStart?.(controller, this.status, this.headers, this.statusMessage);
    const buffered = this.buffer;
    this.buffer = undefined;
    if (buffered !== undefined) {
      for (const b of buffered) {
        if (b.kind === 'data') handler.onResponseData?.(controller, b.chunk);
        else if (b.kind === 'end') handler.onResponseEnd?.(controller, b.trailers);
        else handler.onResponseError?.(controller, b.error);
      }
    }
    if (!this.owner.callerPaused) this.controller?.resume();
  }

  /** This attempt's response is superseded (a retry follows, or the call gave up): close it. */
  discard(): void {
    if (this.state === 'discarded' || this.state === 'forwarding') return;
    this.state = 'discarded';
    this.buffer = undefined;
    const c = this.controller;
    if (c !== undefined && !c.aborted) c.abort(new Error('response discarded by breakwater (superseded attempt)'));
  }
}
