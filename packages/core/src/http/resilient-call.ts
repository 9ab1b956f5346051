import type { BalancerExecuteOptions, Endpoint, LoadBalancer } from '../balancing/types.js';
import { NoHealthyEndpointError } from '../errors.js';
import { Balancer } from '../balancing/balancer.js';
import { Ctx, type InternalPolicy } from '../execution.js';
import type { AttemptContext, Policy } from '../policy.js';
import { AttemptSignalLike } from './attempt-abort-hook.js';
import { isNeverSent } from './never-sent.js';
import { markNonRetryable } from '../kernel/non-retryable.js';
import { parseRetryAfter } from './retry-after.js';
import { HttpStatusFailure } from './status-failure.js';
import { retryAfterHeaderOf, statusOf } from './status.js';

/** One logical request as an adapter describes it to {@link resilientCall}. */
export interface ResilientCallOptions<R, O = R> {
  policy?: Policy | undefined;
  /** When set, every attempt runs through `balancer.execute` and `send` gets the picked endpoint. */
  balancer?: LoadBalancer | undefined;
  /** False for non-idempotent requests: failures are marked non-retryable and the request is never sent twice. */
  retryable: boolean;
  /** Classifies a response or a transport error: true counts as a failure (thrown inside the policy). */
  isFailure: (errorOrResponse: unknown) => boolean;
  /** The caller's signal. */
  signal?: AbortSignal | undefined;
  /** Sticky key (consistent hashing) / cache key. */
  key?: string | undefined;
  context?: Record<string, unknown> | undefined;
  maxRetryAfterMs?: number | undefined;
  /**
   * Sends one attempt. Resolves with the transport's response, rejects with the transport's
   * error. Must pass `ctx.signal` to the transport so timeouts abort the real request.
   * `attempt` is the context the policy handed to this attempt (differs from `ctx` when a
   * balancer picked the endpoint); give it to trace propagators.
   */
  send: (endpoint: Endpoint | undefined, ctx: AttemptContext, attempt: AttemptContext) => Promise<R>;
  /**
   * Give the balancer a signal-like object backed by the attempt's context instead of a real
   * AbortSignal (saves an AbortController per attempt). Then the `ctx` that `send` receives may
   * carry that object as `ctx.signal`: only for transports that duck-type signals, or that take a
   * real one from the policy's `attempt` context when they need it (`@breakwater/fetch`).
   */
  lazyBalancerSignal?: boolean | undefined;
  /** Releases a response that will not reach the caller (e.g. cancels a fetch body). */
  discard?: ((response: R) => void) | undefined;
  /**
   * The adapter's own settlement, run in the same promise job as the call's (one promise hop less
   * per request than a `.then()` on the result): `resolved` gets what the caller would get,
   * `rejected` what it would be rejected with; their return value (or throw) is the call's outcome.
   */
  after?: ResilientCallSettle<R, O> | undefined;
  /**
   * Failover semantics (with a balancer): each attempt goes to an endpoint this call has not
   * tried yet; when none is left the call ends with the last attempt's failure instead of
   * repeating an endpoint. Default false (a retry may go to any endpoint, the same one included).
   */
  untriedOnly?: boolean | undefined;
}

/** See {@link ResilientCallOptions.after}. */
export interface ResilientCallSettle<R, O = R> {
  resolved(value: R): O | PromiseLike<O>;
  rejected(error: unknown): O | PromiseLike<O>;
}

/**
 * What an attempt resolves with inside the policy: a value, or an error that must not count as a
 * failure. `status` lets observers of results (balancer `request` events, metrics) see the HTTP status.
 */
type Outcome<R> = { ok: true; value: R; status?: number } | { ok: false; error: unknown; status?: number };

function outcome<R>(ok: boolean, x: unknown): Outcome<R> {
  const o = (ok ? { ok, value: x } : { ok, error: x }) as Outcome<R>;
  const status = statusOf(x);
  if (status !== undefined) o.status = status;
  return o;
}

/** Sets a non-enumerable `retryAfterMs` on a transport error whose response carries Retry-After. */
function annotateRetryAfter(error: unknown, maxMs: number | undefined): void {
  if (typeof error !== 'object' || error === null || 'retryAfterMs' in error) return;
  const ms = parseRetryAfter(retryAfterHeaderOf(error), Date.now(), maxMs);
  if (ms === undefined) return;
  try {
    Object.defineProperty(error, 'retryAfterMs', { value: ms, enumerable: false, configurable: true, writable: true });
  } catch {
    // Frozen error objects simply don't get the hint.
  }
}

/**
 * Runs one logical HTTP request through a policy and an optional balancer — the engine shared
 * by `@breakwater/axios`, `@breakwater/fetch` and `@breakwater/trpc`.
 *
 * - Failures (per `isFailure`) are thrown inside the policy so breakers, retries and balancers
 *   see them; responses with a failure status become {@link HttpStatusFailure}.
 * - Non-failures pass through: a 404 error is carried out of the policy as a *value* so it never
 *   counts against a breaker, then rethrown to the caller.
 * - When retries run out on a failure status the caller gets the last response (resolved);
 *   on a transport error, the last error (rejected); policy rejections (open breaker, timeout)
 *   reject with the Breakwater error.
 * - A non-retryable request is sent at most once, whatever the policy does.
 */
export function resilientCall<R, O = R>(o: ResilientCallOptions<R, O>): Promise<O> {
  return new HttpCall<R, O>(o).run();
}

/**
 * The state of one {@link resilientCall}. Why an object with settle handlers rather than an async
 * function with closures: this runs once per HTTP request of every adapter; async frames and a
 * closure per step were a measurable share of the adapters' cost in `bench:adapters`.
 */
class HttpCall<R, O> {
  /** The last failure-status response, kept to hand to the caller if retries run out. */
  private pending: HttpStatusFailure<R> | undefined = undefined;
  /** Failures this call created (only those are unwrapped for the caller); made on the first one. */
  private created: Set<HttpStatusFailure<R>> | undefined = undefined;
  /** Endpoints tried (failover semantics, `untriedOnly`). */
  private readonly tried: Set<string> | undefined;
  private lastFailure: { error: unknown } | undefined = undefined;
  /** A non-retryable request's one delivery, shared by later attempts (see `once`). */
  private shared: Promise<Outcome<R>> | undefined = undefined;
  /** Breakwater's own balancer (runs attempts in the policy's context), else undefined. */
  private readonly own: Balancer | undefined;

  constructor(private readonly o: ResilientCallOptions<R, O>) {
    const balancer = o.balancer;
    this.tried = o.untriedOnly === true && balancer !== undefined ? new Set<string>() : undefined;
    // Only a balancer whose execute() is the Balancer's own: a wrapper (OpenTelemetry's instrument(),
    // a user's proxy) may override execute() to trace or log each call, which runIn would skip.
    this.own = balancer instanceof Balancer && balancer.execute === Balancer.prototype.execute ? balancer : undefined;
  }

  run(): Promise<O> {
    const o = this.o;
    // A non-retryable request is delivered at most once: later attempts (a retry policy that
    // ignores the non-retryable mark, a hedge) share the outcome of the attempt that may have
    // reached the server. Only an attempt that provably never left frees the slot.
    const fn = o.retryable
      ? (ctx: AttemptContext): Promise<Outcome<R>> => this.viaBalancer(ctx)
      : (ctx: AttemptContext): Promise<Outcome<R>> => this.once(ctx);
    let p: Promise<Outcome<R>>;
    try {
      const policy = o.policy as Partial<InternalPolicy> | undefined;
      if (o.signal === undefined && (policy === undefined || typeof policy.run === 'function')) {
        // No caller signal to race: straight into the policy with a root context (what execute()
        // would build), without an options object per request.
        const root = Ctx.rootWith(o.context, o.key);
        p = policy === undefined ? fn(root) : (policy as InternalPolicy).run(fn, root);
      } else {
        const opts: { signal?: AbortSignal; key?: string; context?: Record<string, unknown> } = {};
        if (o.signal !== undefined) opts.signal = o.signal;
        if (o.key !== undefined) opts.key = o.key;
        if (o.context !== undefined) opts.context = o.context;
        p = o.policy !== undefined ? o.policy.execute(fn, opts) : runBare(fn, opts);
      }
    } catch (e) {
      p = Promise.reject(e);
    }
    return p.then(this.onResult, this.onFailure);
  }

  private readonly onResult = (result: Outcome<R>): O | PromiseLike<O> => {
    this.release();
    return result.ok ? this.resolved(result.value) : this.rejected(result.error);
  };

  private resolved(value: R): O | PromiseLike<O> {
    const after = this.o.after;
    // Without `after`, O is R (the default).
    return after === undefined ? (value as unknown as O) : after.resolved(value);
  }

  private rejected(error: unknown): O | PromiseLike<O> {
    const after = this.o.after;
    if (after === undefined) throw error;
    return after.rejected(error);
  }

  private readonly onFailure = (caught: unknown): O | PromiseLike<O> => {
    // Failover found nothing untried: the call ends with the last real failure, not "no endpoint".
    const last = this.lastFailure;
    const e = caught instanceof NoHealthyEndpointError && last !== undefined ? last.error : caught;
    if (e instanceof HttpStatusFailure && this.created?.has(e as HttpStatusFailure<R>) === true) {
      // Retries ran out on a failure status: the caller gets the response, as without us.
      this.release(e as HttpStatusFailure<R>);
      return this.resolved((e as HttpStatusFailure<R>).response);
    }
    this.release();
    return this.rejected(e);
  };

  private once(ctx: AttemptContext): Promise<Outcome<R>> {
    if (this.shared !== undefined) return this.shared;
    const p = this.viaBalancer(ctx);
    this.shared = p;
    // Registered before the policy sees `p`, so it runs before any retry is attempted.
    p.catch((e: unknown) => {
      if (this.shared === p && isNeverSent(e)) this.shared = undefined;
    });
    return p;
  }

  private viaBalancer(ctx: AttemptContext): Promise<Outcome<R>> {
    const balancer = this.o.balancer;
    if (balancer === undefined) return this.attempt(undefined, ctx, ctx);
    const tried = this.tried;
    const onEndpoint =
      tried === undefined
        ? (endpoint: Endpoint, inner: AttemptContext): Promise<Outcome<R>> => this.attempt(endpoint, inner, ctx)
        : (endpoint: Endpoint, inner: AttemptContext): Promise<Outcome<R>> => {
            tried.add(endpoint.id);
            return this.attempt(endpoint, inner, ctx).catch((e: unknown) => {
              this.lastFailure = { error: e };
              throw e;
            });
          };
    // Breakwater's own balancer runs the attempt in the policy's context (Balancer.runIn): no
    // second root context, signal(-like) object and abort race per attempt.
    const own = this.own;
    if (own !== undefined && ctx instanceof Ctx) return own.runIn(onEndpoint, ctx, tried);
    return balancer.execute(onEndpoint, balancerOptions(ctx, this.o.lazyBalancerSignal === true, this.o.key, tried));
  }

  private attempt(endpoint: Endpoint | undefined, ctx: AttemptContext, outer: AttemptContext): Promise<Outcome<R>> {
    this.release();
    let sent: Promise<R>;
    try {
      sent = Promise.resolve(this.o.send(endpoint, ctx, outer));
    } catch (e) {
      sent = Promise.reject(e);
    }
    return sent.then(this.onResponse, this.onSendError);
  }

  private readonly onResponse = (response: R): Outcome<R> => {
    const o = this.o;
    if (!o.isFailure(response)) return outcome<R>(true, response);
    const failure = new HttpStatusFailure<R>(
      response,
      o.maxRetryAfterMs === undefined ? undefined : { maxRetryAfterMs: o.maxRetryAfterMs },
    );
    (this.created ??= new Set()).add(failure);
    this.release();
    this.pending = failure;
    throw o.retryable ? failure : markNonRetryable(failure);
  };

  private readonly onSendError = (e: unknown): Outcome<R> => {
    const o = this.o;
    // The caller gave up: whatever this error is, it must not be retried.
    if (o.signal?.aborted === true) throw markNonRetryable(e);
    if (!o.isFailure(e)) return outcome<R>(false, e);
    annotateRetryAfter(e, o.maxRetryAfterMs);
    // A request that never left (connection refused) may go again, to another endpoint.
    throw o.retryable || isNeverSent(e) ? e : markNonRetryable(e);
  };

  /** Discards the pending failure-status response unless it is `keep`. */
  private release(keep?: HttpStatusFailure<R>): void {
    const pending = this.pending;
    if (pending === undefined || pending === keep) return;
    this.pending = undefined;
    const discard = this.o.discard;
    if (discard === undefined) return;
    try {
      discard(pending.response);
    } catch {
      /* releasing is best effort */
    }
  }
}

/** No policy: one attempt with a root context (still honours the caller's signal). */
function runBare<T>(fn: (ctx: AttemptContext) => Promise<T>, opts: { signal?: AbortSignal }): Promise<T> {
  if (opts.signal?.aborted === true) return Promise.reject(opts.signal.reason);
  return fn(Ctx.root(opts));
}

/**
 * False when nothing can ever abort the attempt `ctx` (no caller signal, no timeout or hedge around
 * it) — known for Breakwater's own contexts; a foreign context is assumed abortable.
 */
export function isAbortableAttempt(ctx: AttemptContext): boolean {
  return (ctx as { abortable?: boolean }).abortable !== false;
}

/**
 * The options of one balancer call: the attempt's signal (none when nothing can abort the attempt:
 * a signal costs an AbortController), key, context and endpoints to avoid. Built as one object
 * literal of fixed shape: spreading partial objects costs several allocations per attempt.
 */
function balancerOptions(
  ctx: AttemptContext,
  lazy: boolean,
  key: string | undefined,
  avoid: ReadonlySet<string> | undefined,
): BalancerExecuteOptions {
  const opts: BalancerExecuteOptions = { signal: undefined, key, context: ctx.context, avoid };
  if (isAbortableAttempt(ctx)) opts.signal = lazy ? (new AttemptSignalLike(ctx) as unknown as AbortSignal) : ctx.signal;
  return opts;
}

/**
 * The signal to hand the transport for an attempt, or undefined when nothing can ever abort it
 * (no caller signal, no timeout or hedge around it): creating an AbortSignal costs ~10 µs on
 * Node 20, so a bare call should not pay for one it can never use.
 */
export function attemptSignal(ctx: AttemptContext): AbortSignal | undefined {
  return isAbortableAttempt(ctx) ? ctx.signal : undefined;
}
