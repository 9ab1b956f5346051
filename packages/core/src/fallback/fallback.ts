import { executeWith, invoke, type Ctx, type InternalPolicy } from '../execution.js';
import type { ExecuteOptions, Policy, PolicyFn } from '../policy.js';
import { ConfigError } from '../errors.js';
import { Emitter, withContext } from '../events.js';
import { describeValue, checkOptions, checkFunction, checkKnownKeys } from '../kernel/options.js';

/** Options of {@link fallback}. */
export interface FallbackOptions {
  /** Which errors the handler replaces; default every error. */
  when?: (error: unknown) => boolean;
}

/** Payload of the `fallback` event of `fallback()` and `cacheFallback()`. */
export interface FallbackEvent {
  /** The failure being replaced. */
  error: unknown;
  /** cacheFallback only: the key served from the cache and the stored value's age. */
  key?: string;
  ageMs?: number;
  /** The call's `ExecuteOptions.context` (non-enumerable): correlates the event with its call. */
  readonly context: Record<string, unknown>;
}

/** Events of the fallback policies. */
export type FallbackEvents = { fallback: FallbackEvent };

/** A fallback policy: a {@link Policy} with a `fallback` event (a failure was replaced). */
export interface FallbackPolicy extends Policy {
  /** Subscribes to `fallback`; returns the unsubscribe function. */
  on(event: 'fallback', fn: (e: FallbackEvent) => void): () => void;
}

/** A throwing predicate must not replace the caller's error with its own: treat it as "no". */
export function safely(when: (error: unknown) => boolean, error: unknown): boolean {
  try {
    return when(error);
  } catch {
    return false;
  }
}

class Fallback<R> implements InternalPolicy, FallbackPolicy {
  private events: Emitter<FallbackEvents> | undefined;

  on(event: 'fallback', fn: (e: FallbackEvent) => void): () => void {
    return (this.events ??= new Emitter<FallbackEvents>()).on(event, fn);
  }

  constructor(
    private readonly handler: (error: unknown) => R | Promise<R>,
    private readonly when: ((error: unknown) => boolean) | undefined,
  ) {}

  execute<T>(fn: PolicyFn<T>, opts?: ExecuteOptions): Promise<T> {
    return executeWith(this, fn, opts);
  }

  run<T>(fn: PolicyFn<T>, ctx: Ctx): Promise<T> {
    return invoke(fn, ctx).then(undefined, (error: unknown) => {
      // A caller who gave up gets no substitute (and the handler's side effects do not run).
      if (ctx.aborted) throw error;
      if (this.when !== undefined && !safely(this.when, error)) throw error;
      if (this.events?.has('fallback') === true) this.events.emit('fallback', withContext({ error }, ctx.context));
      return this.handler(error) as T | Promise<T>;
    });
  }
}

/**
 * Replaces a failure with the handler's value: `fallback(() => cachedPrices, { when: isBreakwaterError })`.
 * The handler's own error, if it throws, is what the caller sees. Not applied once the caller aborted.
 * Emits `fallback` with the error each time it replaces one.
 */
export function fallback<R>(handler: (error: unknown) => R | Promise<R>, o: FallbackOptions = {}): FallbackPolicy {
  if (typeof handler !== 'function')
    throw new ConfigError('fallback.handler', `expected a function, got ${describeValue(handler)}`);
  checkOptions('fallback', o, false);
  checkKnownKeys('fallback', o, ['when']);
  checkFunction('fallback.when', o.when);
  return new Fallback(handler, o.when);
}
