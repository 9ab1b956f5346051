import { type AttemptContext, type Endpoint, type LoadBalancer, type Policy } from '@breakwater/core';
import { IDEMPOTENT_METHODS, joinUrl, resilientCall } from '@breakwater/core/internal';
import type { Dispatcher } from 'undici';
import { Attempt, type AttemptOwner } from './attempt.js';
import { CallerHandler } from './raw-handlers.js';
import { dispatchHeader, isReplayableBody } from './headers.js';

type Controller = Dispatcher.DispatchController;
type Handler = Dispatcher.DispatchHandler;

/** The interceptor's settings shared by every call. */
export interface CallSettings {
  balancer: LoadBalancer | undefined;
  isFailure: (errorOrResponse: unknown) => boolean;
  retryNonIdempotent: boolean;
  maxRetryAfterMs: number | undefined;
}

const endpointTargets = new Map<string, { origin: string; prefix: string }>();

/** Origin and path prefix of a balanced endpoint's URL (cached: endpoint URLs are few). */
function targetOf(endpoint: Endpoint): { origin: string; prefix: string } {
  let t = endpointTargets.get(endpoint.url);
  if (t === undefined) {
    const u = new URL(endpoint.url);
    t = { origin: u.origin, prefix: u.pathname === '/' ? '' : u.pathname.replace(/\/$/, '') };
    if (endpointTargets.size > 10_000) endpointTargets.clear();
    endpointTargets.set(endpoint.url, t);
  }
  return t;
}

/** Releases an attempt whose response will not reach the caller. */
const discardAttempt = (a: Attempt): void => a.discard();

/**
 * One request dispatched through the interceptor: runs it through the policy (and balancer), one
 * dispatch per attempt, and hands the caller's handler exactly one response or one error. The
 * caller's handler gets this object as its controller: aborting it aborts the current attempt and
 * stops the policy (no further retries); pause/resume act on the current attempt.
 */
export class InterceptedCall implements AttemptOwner, Controller {
  private current: Controller | undefined;
  private committed: Attempt | undefined;
  private started = false;
  private pausedByCaller = false;
  /** Set when the caller aborted through its controller. */
  private callerAbort: { reason: Error } | undefined;
  /** An attempt is between dispatch and its response headers (or error). */
  private inFlight = false;
  /** The caller's handler got its error (ends the call). */
  private failed = false;

  constructor(
    private readonly dispatch: Dispatcher.Dispatch,
    private readonly opts: Dispatcher.DispatchOptions,
    readonly handler: Handler,
    private readonly policy: Policy | undefined,
    private readonly settings: CallSettings,
  ) {
    this.caller = new CallerHandler(handler, this);
  }

  /** The caller's handler, spoken to in its own interface (raw heads when it has `onHeaders`). */
  readonly caller: CallerHandler;

  get callerPaused(): boolean {
    return this.pausedByCaller;
  }

  get aborted(): boolean {
    return this.callerAbort !== undefined;
  }

  get paused(): boolean {
    return this.pausedByCaller;
  }

  get reason(): Error | null {
    return this.callerAbort?.reason ?? null;
  }

  abort(reason: Error): void {
    if (this.callerAbort !== undefined) return;
    this.callerAbort = { reason };
    // The current attempt fails with this reason; the call then ends without a further attempt
    // (see classify and attempt): no AbortSignal per call is needed for that. Between attempts
    // (a retry's backoff) the caller gets its error at once.
    this.current?.abort(reason);
    if (!this.inFlight && this.committed === undefined) this.fail(reason);
  }

  pause(): void {
    this.pausedByCaller = true;
    this.current?.pause();
  }

  resume(): void {
    this.pausedByCaller = false;
    this.current?.resume();
  }

  isFailure(attempt: Attempt): boolean {
    return this.settings.isFailure(attempt);
  }

  /** Once the caller aborted, nothing is a failure: the policy stops (no retry, nothing counted). */
  private readonly classify = (x: unknown): boolean => this.callerAbort === undefined && this.settings.isFailure(x);

  attemptSettled(): void {
    this.inFlight = false;
  }

  commit(attempt: Attempt): boolean {
    if (this.committed !== undefined) return this.committed === attempt;
    this.committed = attempt;
    // Pause/resume/abort from the caller now act on this attempt's request (not a losing hedge's).
    this.current = attempt.requestController ?? this.current;
    return true;
  }

  attemptStarted(controller: Controller, context: unknown): void {
    this.current = controller;
    if (this.callerAbort !== undefined) {
      controller.abort(this.callerAbort.reason);
      return;
    }
    if (this.started) return;
    this.started = true;
    this.handler.onRequestStart?.(this, context);
  }

  /** Starts the call; the outcome goes to the caller's handler. */
  start(): void {
    const { opts, settings } = this;
    const method = opts.method ?? 'GET';
    const retryable =
      isReplayableBody(opts.body) &&
      (IDEMPOTENT_METHODS.has(method) ||
        settings.retryNonIdempotent ||
        (dispatchHeader(opts.headers, 'idempotency-key') ?? '').trim().length > 0);
    // The outcome goes to the caller's handler from `resolved`/`rejected`, which never throw.
    void resilientCall<Attempt, void>({
      policy: this.policy,
      balancer: settings.balancer,
      retryable,
      isFailure: this.classify,
      maxRetryAfterMs: settings.maxRetryAfterMs,
      send: (endpoint, ctx) => this.attempt(endpoint, ctx),
      discard: discardAttempt,
      after: this,
    });
  }

  /** The call's outcome: the chosen attempt's response goes to the caller (see resilientCall's `after`). */
  resolved(a: Attempt): void {
    try {
      if (this.failed) a.discard();
      else a.forward();
    } catch (e) {
      this.rejected(e);
    }
  }

  /** The call failed: the caller's handler gets the error. */
  rejected(e: unknown): void {
    try {
      this.fail(e);
    } catch {
      // The caller's handler threw on its own error: nothing is left to tell it, and no request may
      // end the process (the call's promise is not awaited).
    }
  }

  private attempt(endpoint: Endpoint | undefined, ctx: AttemptContext): Promise<Attempt> {
    if (this.callerAbort !== undefined) return Promise.reject(this.callerAbort.reason);
    this.inFlight = true;
    const a = new Attempt(this, (ctx as { abortable?: boolean }).abortable === false ? undefined : ctx);
    let opts = this.opts;
    if (endpoint !== undefined) {
      const t = targetOf(endpoint);
      opts = { ...opts, origin: t.origin, path: t.prefix === '' ? opts.path : joinUrl(t.prefix, opts.path) };
    }
    try {
      this.dispatch(opts, a);
    } catch (e) {
      a.failed(e);
    }
    return a.promise;
  }

  private fail(e: unknown): void {
    if (this.failed) return;
    this.failed = true;
    const error = e instanceof Error ? e : new Error(String(e));
    // A call that never reached a socket (open breaker, timeout while connecting) errors without a
    // start, as undici's own connect failures do.
    this.handler.onResponseError?.(this, error);
  }
}
