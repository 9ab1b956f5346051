import { ConfigError } from './errors.js';
import { Ctx, asInternal, executeWith, type InternalPolicy } from './execution.js';
import type { ExecuteOptions, Policy, PolicyFn } from './policy.js';
import { describeValue } from './kernel/options.js';

/**
 * The innermost stage: the caller's function, read from the context (see `Ctx.leaf`). Stages are
 * only ever called by Breakwater policies, which always pass a `Ctx`.
 */
const callLeaf: PolicyFn<unknown> = (ctx) => ((ctx as Ctx).leaf as PolicyFn<unknown>)(ctx);

/**
 * A composition of policies, first outermost. The chain of stage functions is built once, when
 * the pipeline is created; a call allocates one derived context that carries the caller's function.
 */
class Pipeline implements InternalPolicy {
  readonly policies: readonly InternalPolicy[];
  private readonly head: InternalPolicy;
  private readonly next: PolicyFn<unknown>;

  constructor(policies: readonly InternalPolicy[]) {
    this.policies = policies;
    this.head = policies[0] as InternalPolicy;
    // stages[i] runs policies[i + 1] around the rest; the last one calls the leaf.
    let next: PolicyFn<unknown> = callLeaf;
    for (let i = policies.length - 1; i >= 1; i--) {
      const policy = policies[i] as InternalPolicy;
      const inner = next;
      next = (ctx) => policy.run(inner, ctx as Ctx);
    }
    this.next = next;
  }

  execute<T>(fn: PolicyFn<T>, opts?: ExecuteOptions): Promise<T> {
    return executeWith(this, fn, opts);
  }

  run<T>(fn: PolicyFn<T>, ctx: Ctx): Promise<T> {
    // A context of our own when the one given already carries another pipeline's leaf (a pipeline
    // run inside another's stage); a fresh root is used as is.
    const own = ctx.leaf === undefined ? ctx : ctx.derive(ctx.attempt);
    own.leaf = fn as PolicyFn<unknown>;
    return this.head.run(this.next as PolicyFn<T>, own);
  }
}

/** A policy that runs nothing around the call (an empty pipeline). */
class NoopPolicy implements InternalPolicy {
  execute<T>(fn: PolicyFn<T>, opts?: ExecuteOptions): Promise<T> {
    return executeWith(this, fn, opts);
  }
  run<T>(fn: PolicyFn<T>, ctx: Ctx): Promise<T> {
    try {
      const r = fn(ctx);
      return r instanceof Promise ? r : Promise.resolve(r);
    } catch (e) {
      return Promise.reject(e);
    }
  }
}

/**
 * Composes policies into one; the first argument is the outermost:
 * `pipeline(retry(), breaker, timeout(1000))` retries calls that the breaker guards, each attempt
 * under its own 1 s timeout. Nested pipelines are flattened. Foreign policies (anything with an
 * `execute`) are adapted. `pipeline()` with no argument runs the function as is.
 */
export function pipeline(...policies: Policy[]): Policy {
  const flat: InternalPolicy[] = [];
  policies.forEach((p, i) => {
    if (typeof p !== 'object' || p === null || typeof (p as Partial<Policy>).execute !== 'function') {
      throw new ConfigError(`pipeline[${i}]`, `expected a policy (an object with execute()), got ${describeValue(p)}`);
    }
    if (p instanceof Pipeline) flat.push(...p.policies);
    else if (!(p instanceof NoopPolicy)) flat.push(asInternal(p));
  });
  if (flat.length === 0) return new NoopPolicy();
  if (flat.length === 1) return flat[0] as InternalPolicy;
  return new Pipeline(flat);
}
