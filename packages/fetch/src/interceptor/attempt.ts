import { type AttemptContext } from '@breakwater/core';
import { attemptAbortState, onAttemptAbort } from '@breakwater/core/internal';
import type { Dispatcher } from 'undici';
import {
  RequestControl,
  parseRawHeaders,
  type CallerHandler,
  type ParsedHeaders,
  type RawHeaders,
} from './raw-handlers.js';

type Controller = Dispatcher.DispatchController;

/** What an attempt reports to its logical call. */
export interface AttemptOwner {
  /** The attempt reached a socket (first time only matters: the caller's handler starts once). */
  attemptStarted(controller: Controller, context: unknown): void;
  /** The caller's handler (raw or parsed heads), once the attempt is chosen. */
  readonly caller: CallerHandler;
  readonly callerPaused: boolean;
  /** Classifies a response head (same rule the policy applies). */
  isFailure(attempt: Attempt): boolean;
  /** The attempt got its response headers or failed: it is no longer between dispatch and answer. */
  attemptSettled(): void;
  /** Claims the caller's handler for `attempt`; false when another attempt (a hedge) already has it. */
  commit(attempt: Attempt): boolean;
}

type Buffered =
  { kind: 'data'; chunk: Buffer } | { kind: 'end'; trailers: RawHeaders | null } | { kind: 'error'; error: Error };

/**
 * The handler of one attempt. It settles its promise at the response headers (what the policy
 * judges: status, Retry-After) and pauses the response until the logical call decides: forward it
 * to the caller's handler (success, or the last failure), or discard it (a retry follows). Body
 * events that still arrive before the decision are buffered and replayed in order. It implements
 * undici's legacy handler interface, so heads pass through raw (see raw-handlers.ts).
 */
export class Attempt {
  /** HTTP status (read by Breakwater's classification and `statusOf`). */
  status = 0;
  statusMessage: string | undefined;
  readonly promise: Promise<Attempt>;
  private resolve!: (a: Attempt) => void;
  private reject!: (e: unknown) => void;
  private controller: RequestControl | undefined;
  private state: 'connecting' | 'headers' | 'forwarding' | 'discarded' = 'connecting';
  private buffer: Buffered[] | undefined;
  private abortReason: Error | undefined;
  private unsubscribe: (() => void) | undefined;
  private rawHeaders: RawHeaders | undefined;
  private parsedHeaders: ParsedHeaders | undefined;

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

  /** Response headers as an object (parsed on first read: classification reads them only for Retry-After). */
  get headers(): ParsedHeaders {
    return (this.parsedHeaders ??= parseRawHeaders(this.rawHeaders));
  }

  /** A timeout or losing hedge aborted this attempt: stop its request, wherever it is. */
  private readonly onAbort = (): void => {
    if (this.abortReason !== undefined) return;
    this.abortReason = attemptAbortState(this.ctx!).reason as Error;
    this.controller?.abort(this.abortReason);
  };

  private settled(): void {
    this.owner.attemptSettled();
    const u = this.unsubscribe;
    if (u !== undefined) {
      this.unsubscribe = undefined;
      u();
    }
  }

  /** undici's controller of the request, once it reached a socket. */
  get requestController(): Controller | undefined {
    return this.controller;
  }

  /** The request could not be dispatched at all. */
  failed(e: unknown): void {
    this.settled();
    this.reject(e);
  }

  onConnect(abort: (reason?: Error) => void, context?: unknown): void {
    const controller = new RequestControl(abort);
    this.controller = controller;
    if (this.abortReason !== undefined) {
      controller.abort(this.abortReason);
      return;
    }
    this.owner.attemptStarted(controller, context);
  }

  onHeaders(statusCode: number, headers: RawHeaders, resume: () => void, statusMessage?: string): boolean {
    const controller = this.controller!;
    controller.resumeRequest = resume;
    this.responseStart(controller, statusCode, headers, statusMessage);
    return !controller.paused;
  }

  private responseStart(
    controller: RequestControl,
    statusCode: number,
    headers: RawHeaders,
    statusMessage: string | undefined,
  ): void {
    if (this.state !== 'connecting') return;
    if (statusCode < 200) return; // 1xx informational: the final response follows
    this.status = statusCode;
    this.rawHeaders = headers;
    this.statusMessage = statusMessage;
    this.settled();
    if (!this.owner.isFailure(this)) {
      // A success is final whatever the policy does next (it only counts it): stream it to the
      // caller now, without pausing the response — unless another attempt (a hedge) got there first.
      if (this.owner.commit(this)) {
        this.state = 'forwarding';
        this.owner.caller.start(statusCode, headers, statusMessage, () => this.headers);
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

  onData(chunk: Buffer): boolean {
    if (this.state === 'forwarding') this.owner.caller.data(chunk);
    else if (this.state === 'headers') (this.buffer ??= []).push({ kind: 'data', chunk });
    return this.controller?.paused !== true;
  }

  onComplete(trailers: RawHeaders | null): void {
    if (this.state === 'forwarding') this.owner.caller.end(trailers);
    else if (this.state === 'headers') (this.buffer ??= []).push({ kind: 'end', trailers });
  }

  onError(error: Error): void {
    if (this.state === 'connecting') {
      this.state = 'discarded';
      this.settled();
      this.reject(error);
    } else if (this.state === 'forwarding') {
      this.owner.caller.error(error);
    } else if (this.state === 'headers') {
      (this.buffer ??= []).push({ kind: 'error', error });
    }
  }

  /** This attempt's response goes to the caller: headers, then what was buffered, then the rest. */
  forward(): void {
    if (this.state !== 'headers' || !this.owner.commit(this)) return;
    this.state = 'forwarding';
    const caller = this.owner.caller;
    caller.start(this.status, this.rawHeaders ?? [], this.statusMessage, () => this.headers);
    const buffered = this.buffer;
    this.buffer = undefined;
    if (buffered !== undefined) {
      for (const b of buffered) {
        if (b.kind === 'data') caller.data(b.chunk);
        else if (b.kind === 'end') caller.end(b.trailers);
        else caller.error(b.error);
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
