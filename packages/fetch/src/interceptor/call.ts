import {
  isRetryableRequest, joinUrl, resilientCall, type AttemptContext, type Endpoint, type LoadBalancer, type Policy,
} from '@breakwater/core';
import type { Dispatcher } from 'undici';
import { Attempt, type AttemptOwner } from './attempt.js';
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

/**
 * A signal-like object for the logical call (the caller aborting through its controller). Core
 * accepts anything with the AbortSignal interface; a real AbortController per request would cost
 * more than the rest of the interceptor.
 */
class CallSignal {
  aborted = false;
  reason: unknown = undefined;
  onabort: null = null;
  private listeners: Array<(e: { type: 'abort' }) => void> | undefined;
  addEventListener(_type: string, fn: (e: { type: 'abort' }) => void): void {
    (this.listeners ??= []).push(fn);
  }
  removeEventListener(_type: string, fn: (e: { type: 'abort' }) => void): void {
    const l = this.listeners;
    if (l === undefined) return;
    const i = l.indexOf(fn);
    if (i >= 0) l.splice(i, 1);
  }
  throwIfAborted(): void {
    if (this.aborted) throw this.reason;
  }
  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    const l = this.listeners;
    this.listeners = undefined;
    if (l !== undefined) for (const fn of l) fn({ type: 'abort' });
  }
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
  private readonly signal = new CallSignal();

  constructor(
    private readonly dispatch: Dispatcher.Dispatch,
    private readonly opts: Dispatcher.DispatchOptions,
    readonly handler: Handler,
    private readonly policy: Policy | undefined,
    private readonly settings: CallSettings,
  ) {}

  get controller(): Controller {
    return this;
  }

  get callerPaused(): boolean {
    return this.pausedByCaller;
  }

  get aborted(): boolean {
    return this.signal.aborted;
  }

  get paused(): boolean {
    return this.pausedByCaller;
  }

  get reason(): Error | null {
    return this.signal.aborted ? (this.signal.reason as Error) : null;
  }

  abort(reason: Error): void {
    if (this.signal.aborted) return;
    this.signal.abort(reason);
    this.current?.abort(reason);
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

  commit(attempt: Attempt): boolean {
    if (this.committed !== undefined) return this.committed === attempt;
    this.committed = attempt;
    // Pause/resume/abort from the caller now act on this attempt's request (not a losing hedge's).
    this.current = attempt.requestController ?? this.current;
    return true;
  }

  attemptStarted(controller: Controller, context: unknown): void {
    this.current = controller;
    if (this.signal.aborted) {
      controller.abort(this.signal.reason as Error);
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
    const retryable = isReplayableBody(opts.body) && isRetryableRequest(method, null, settings.retryNonIdempotent
      || (dispatchHeader(opts.headers, 'idempotency-key') ?? '').trim().length > 0);
    resilientCall<Attempt>({
      policy: this.policy,
      balancer: settings.balancer,
      retryable,
      isFailure: settings.isFailure,
      signal: this.signal as unknown as AbortSignal,
      maxRetryAfterMs: settings.maxRetryAfterMs,
      send: (endpoint, ctx) => this.attempt(endpoint, ctx),
      discard: (a) => a.discard(),
    }).then(
      (a) => a.forward(),
      (e: unknown) => this.fail(e),
    );
  }

  private attempt(endpoint: Endpoint | undefined, ctx: AttemptContext): Promise<Attempt> {
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
    const error = e instanceof Error ? e : new Error(String(e));
    // A call that never reached a socket (open breaker, timeout while connecting) errors without a
    // start, as undici's own connect failures do.
    this.handler.onResponseError?.(this, error);
  }
}
