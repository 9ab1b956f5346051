import { executeWith, invoke, type Ctx, type InternalPolicy } from '../execution.js';
import type { ExecuteOptions, Policy, PolicyFn } from '../policy.js';
import { ConfigError } from '../errors.js';
import { checkKnownKeys } from '../internal/known-keys.js';
import { checkFunction, checkOptions, describeValue } from '../policies/validate.js';

/** Options of {@link fallback}. */
export interface FallbackOptions {
  /** Which errors the handler replaces; default every error. */
  when?: (error: unknown) => boolean;
}

/** A throwing predicate must not replace the caller's error with its own: treat it as "no". */
export function safely(when: (error: unknown) => boolean, error: unknown): boolean {
  try {
    return when(error);
  } catch {
    return false;
  }
}

class Fallback<R> implements InternalPolicy {
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
      return this.handler(error) as T | Promise<T>;
    });
  }
}

/**
 * Replaces a failure with the handler's value: `fallback(() => cachedPrices, { when: isBreakwaterError })`.
 * The handler's own error, if it throws, is what the caller sees. Not applied once the caller aborted.
 */
export function fallback<R>(handler: (error: unknown) => R | Promise<R>, o: FallbackOptions = {}): Policy {
  if (typeof handler !== 'function') throw new ConfigError('fallback.handler', `expected a function, got ${describeValue(handler)}`);
  checkOptions('fallback', o, false);
  checkKnownKeys('fallback', o, ['when']);
  checkFunction('fallback.when', o.when);
  return new Fallback(handler, o.when);
}
