import type { Endpoint } from './kernel/endpoint.js';
import type { AttemptContext, ExecuteOptions, Policy, PolicyFn } from './policy.js';
import { listenAbort, unlistenAbort } from './kernel/abort-fanout.js';
import { SettleOnce } from './kernel/settle-once.js';
import { SmallSet } from './kernel/small-set.js';

export { listenAbort, unlistenAbort } from './kernel/abort-fanout.js';

const NOT_ABORTED: unique symbol = Symbol('not-aborted');
const noop = (): void => {};

/**
 * The context object that flows through a pipeline. Its `signal` is created lazily: a call whose
 * function never reads `ctx.signal` allocates no AbortController and adds no listener, which is
 * most of the per-call cost in other libraries.
 *
 * - `derive()` makes a context that shares this one's abort source (retry attempts, endpoint picks).
 * - `fork()` makes an independently abortable child that is also aborted when this one is
 *   (timeouts, hedges). Call `dispose()` on a fork when its call settles to drop the link.
 */
export class Ctx implements AttemptContext {
  attempt: number;
  endpoint: Endpoint | undefined;
  context: Record<string, unknown>;
  /** ExecuteOptions.key of the logical call (sticky routing, cache key). */
  readonly key: string | undefined;
  /**
   * The innermost function of the pipeline run that created this context. Pipelines build their
   * chain once and read the caller's function from here instead of allocating closures per call.
   * @internal
   */
  leaf: PolicyFn<unknown> | undefined;
  /** The abort source this context shares (itself for roots and forks). */
  private readonly source: Ctx;
  private readonly parent: Ctx | undefined;
  private readonly external: AbortSignal | undefined;
  private controller: AbortController | undefined;
  private reason: unknown = NOT_ABORTED;
  /**
   * How this fork is linked to its parent: the parent itself when this fork sits in its `children`
   * set (no closure per fork), else the function that removes its listener from the parent's signal.
   */
  private linked: Ctx | (() => void) | undefined;
  /** Forks linked to this source without an AbortController (see `link()`). */
  private children: SmallSet<Ctx> | undefined;
  /** Callbacks of {@link whenAborted}, run by `abort()`. */
  private callbacks: SmallSet<() => void> | undefined;

  /**
   * Private: contexts are made by {@link Ctx.root}, {@link Ctx.derive} and {@link Ctx.fork} only.
   * Why positional (issue 18.6 asked for an options object): `Ctx.root()` runs on every call; an
   * options object measured ~5 ns slower per breaker call in `bench:core` (realistic case), and
   * setting the call data after a 3-argument constructor made some processes ~15 ns slower (field
   * representations generalised after construction).
   */
  private constructor(
    source: Ctx | undefined,
    parent: Ctx | undefined,
    external: AbortSignal | undefined,
    attempt: number,
    endpoint: Endpoint | undefined,
    context: Record<string, unknown>,
    key: string | undefined,
    leaf: PolicyFn<unknown> | undefined,
  ) {
    this.key = key;
    this.source = source ?? this;
    this.parent = parent;
    this.external = external;
    this.attempt = attempt;
    this.endpoint = endpoint;
    this.context = context;
    this.leaf = leaf;
  }

  /** A root context for one logical call. */
  static root(opts: ExecuteOptions | undefined): Ctx {
    // A fresh object per call: functions may write to ctx.context even when the caller passed none.
    if (opts === undefined) return new Ctx(undefined, undefined, undefined, 0, undefined, {}, undefined, undefined);
    return new Ctx(undefined, undefined, opts.signal, 0, undefined, opts.context ?? {}, opts.key, undefined);
  }

  /** A root context without a caller signal, for the adapter kit (no options object per call). */
  static rootWith(context: Record<string, unknown> | undefined, key: string | undefined): Ctx {
    return new Ctx(undefined, undefined, undefined, 0, undefined, context ?? {}, key, undefined);
  }

  /** A root context for a call without options (no caller signal, no key, fresh context record). */
  static plainRoot(): Ctx {
    return new Ctx(undefined, undefined, undefined, 0, undefined, {}, undefined, undefined);
  }

  /** Same abort source, other attempt/endpoint. */
  derive(attempt: number, endpoint: Endpoint | undefined = this.endpoint): Ctx {
    return new Ctx(this.source, undefined, undefined, attempt, endpoint, this.context, this.key, this.leaf);
  }

  /** An independently abortable child, aborted too when this context is. */
  fork(attempt: number = this.attempt): Ctx {
    return new Ctx(undefined, this.source, undefined, attempt, this.endpoint, this.context, this.key, this.leaf);
  }

  /** True once this context's abort source was aborted (by caller, parent, timeout or hedge). */
  get aborted(): boolean {
    const s = this.source;
    if (s.reason !== NOT_ABORTED) return true;
    if (s.external !== undefined) return s.external.aborted;
    if (s.parent !== undefined) return s.parent.aborted;
    return false;
  }

  /**
   * False when nothing outside the owner of this context can abort it: a root without a caller
   * signal. Policies skip abort listeners then, which keeps the plain call path listener-free.
   */
  get abortable(): boolean {
    const s = this.source;
    return s.external !== undefined || s.parent !== undefined || s.reason !== NOT_ABORTED;
  }

  /** The reason this context was aborted, or undefined. */
  get abortReason(): unknown {
    const s = this.source;
    if (s.reason !== NOT_ABORTED) return s.reason;
    if (s.external !== undefined) return s.external.aborted ? s.external.reason : undefined;
    if (s.parent !== undefined) return s.parent.abortReason;
    return undefined;
  }

  get signal(): AbortSignal {
    const s = this.source;
    if (s.controller !== undefined) return s.controller.signal;
    // A root with a caller signal and no programmatic abort can hand the caller's signal out as is.
    if (s.external !== undefined && s.reason === NOT_ABORTED) return s.external;
    const controller = new AbortController();
    s.controller = controller;
    s.link();
    if (s.reason !== NOT_ABORTED) controller.abort(s.reason);
    return controller.signal;
  }

  /**
   * Links this abort source (a fork) to its parent so the parent's abort reaches it. When the
   * parent has neither an AbortController nor a caller signal, the link is a plain entry in the
   * parent's `children` set: reading `ctx.signal` inside a timeout then creates one AbortController
   * and adds no event listener, instead of materialising a signal for every level above it.
   */
  private link(): void {
    if (this.linked !== undefined || this.parent === undefined || this.reason !== NOT_ABORTED) return;
    const p = this.parent;
    if (p.aborted) {
      this.reason = p.abortReason;
      return;
    }
    if (p.controller === undefined && p.external === undefined) {
      p.link();
      (p.children ??= new SmallSet()).add(this);
      this.linked = p;
      return;
    }
    const parentSignal = p.controller !== undefined ? p.controller.signal : (p.external as AbortSignal);
    const onAbort = (): void => this.abort(parentSignal.reason);
    // Through the fan-out registry: a long-lived parent signal carries at most one listener.
    listenAbort(parentSignal, onAbort);
    this.linked = () => unlistenAbort(parentSignal, onAbort);
  }

  /** Aborts this context's abort source (and, through their links, its forks). */
  abort(reason: unknown): void {
    const s = this.source;
    if (s.reason !== NOT_ABORTED) return;
    s.reason = reason;
    s.unlink();
    if (s.controller !== undefined && !s.controller.signal.aborted) s.controller.abort(reason);
    const children = s.children;
    if (children !== undefined) {
      s.children = undefined;
      for (const child of children) child.abort(reason);
    }
    const callbacks = s.callbacks;
    if (callbacks !== undefined) {
      s.callbacks = undefined;
      for (const cb of callbacks) cb();
    }
  }

  /**
   * Calls `fn` when this context's abort source aborts (read the reason from `abortReason`),
   * without materialising an AbortSignal: a transport that can abort by other means (undici's
   * per-request abort, an axios signal-like object) saves an AbortController per attempt. `fn`
   * may run more than once for one abort; make it idempotent. Returns the unsubscribe function.
   * Check `aborted` first: an already aborted context never calls `fn`.
   * @internal
   */
  whenAborted(fn: () => void): () => void {
    const s = this.source;
    if (s.reason !== NOT_ABORTED) return noop;
    // Programmatic aborts (timeouts, hedges, a parent fork) come through abort(); a caller's or a
    // materialised signal also aborts from outside, so listen there too.
    (s.callbacks ??= new SmallSet()).add(fn);
    s.link();
    const signal = s.controller !== undefined ? s.controller.signal : s.external;
    if (signal !== undefined) listenAbort(signal, fn);
    return () => {
      s.callbacks?.delete(fn);
      if (signal !== undefined) unlistenAbort(signal, fn);
    };
  }

  /** Drops the listener linking a fork to its parent. Idempotent. */
  dispose(): void {
    this.source.unlink();
  }

  private unlink(): void {
    const l = this.linked;
    if (l === undefined) return;
    this.linked = undefined;
    // An aborted parent has dropped its set (and aborted this fork with it).
    if (l instanceof Ctx) l.children?.delete(this);
    else l();
  }
}

/** Internal protocol: every Breakwater policy can run inside an existing context. */
export interface InternalPolicy extends Policy {
  /** Runs `fn` within `ctx`. Must return a promise and never throw synchronously. */
  run<T>(fn: PolicyFn<T>, ctx: Ctx): Promise<T>;
}

/** Calls `fn` and turns a synchronous throw or a plain value into a promise. */
export function invoke<T>(fn: PolicyFn<T>, ctx: AttemptContext): Promise<T> {
  try {
    const r = fn(ctx);
    return r instanceof Promise ? r : Promise.resolve(r);
  } catch (e) {
    return Promise.reject(e);
  }
}

/**
 * Settles the caller's promise either with the policy's result or, when the caller's signal aborts
 * first, at once with the signal's reason. One object per call holds the callbacks so the abort
 * listener can be removed when the call settles.
 */
class CallerRace<T> extends SettleOnce<T> {
  readonly promise: Promise<T> = this.open();
  constructor(readonly signal: AbortSignal) {
    super();
  }
  readonly onAbort = (): void => {
    this.fail(this.signal.reason);
  };
  readonly onValue = (v: T): void => {
    this.fulfil(v);
  };
  readonly onError = (e: unknown): void => {
    this.fail(e);
  };
  protected release(): void {
    unlistenAbort(this.signal, this.onAbort);
  }
}

/**
 * The public `execute` of every policy: builds the root context and races the caller's signal,
 * removing the abort listener when the call settles (no accumulation on long-lived signals).
 */
export function executeWith<T>(policy: InternalPolicy, fn: PolicyFn<T>, opts: ExecuteOptions | undefined): Promise<T> {
  // `execute()` never throws synchronously: odd options (null, a throwing `signal` getter, a
  // signal that is no AbortSignal) end as a rejected promise like every other outcome.
  try {
    const ctx = Ctx.root(opts);
    const signal = opts?.signal;
    if (signal === undefined) return policy.run(fn, ctx);
    if (signal.aborted) return Promise.reject(signal.reason);
    // A closure per call for the promise, no module-level slot: `npm run bench:core` showed no gain
    // from sharing the executor.
    const race = new CallerRace<T>(signal);
    listenAbort(signal, race.onAbort);
    policy.run(fn, ctx).then(race.onValue, race.onError);
    return race.promise;
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * Adapts a foreign policy (only `execute`) to the internal protocol. Its attempts count from the
 * enclosing attempt (`ctx.attempt + inner.attempt`): a foreign stage inside `retry()` must not
 * reset the attempt number the function sees.
 */
export function asInternal(policy: Policy): InternalPolicy {
  if (typeof (policy as Partial<InternalPolicy>).run === 'function') return policy as InternalPolicy;
  return {
    execute: (fn, opts) => policy.execute(fn, opts),
    run: (fn, ctx) => {
      // The internal protocol never throws synchronously; a foreign execute() might.
      try {
        return policy.execute((inner) => fn(ctx.derive(ctx.attempt + inner.attempt, inner.endpoint ?? ctx.endpoint)), {
          signal: ctx.signal,
          context: ctx.context,
          ...(ctx.key === undefined ? {} : { key: ctx.key }),
        });
      } catch (error) {
        return Promise.reject(error);
      }
    },
  };
}
