import { ConfigError, type Policy } from '@breakwater/core';
import type { Operation } from '@trpc/client';

/** Options of {@link perProcedure}. */
export interface PerProcedureOptions {
  /**
   * The key policies are kept by. Default: the procedure path (`op.path`, e.g. `user.byId`).
   * Group procedures with a prefix, e.g. `(op) => op.path.split('.')[0]` for one policy per router.
   */
  key?: (op: Operation) => string;
  /**
   * Most policies kept at once (default 256). Past it the least recently used one is dropped
   * (and closed when it has `close()`), so hostile or generated paths cannot grow memory. A
   * dropped breaker loses its state: size this above the number of procedures you call.
   */
  maxPolicies?: number;
}

/**
 * One policy per tRPC procedure (or per key), created on first use with `create(key)`: one
 * failing procedure opens only its own breaker, the others keep working. Pass the result as
 * `resilienceLink({ policy: perProcedure(...) })`.
 *
 * @example
 * resilienceLink({
 *   policy: perProcedure((path) => pipeline(retry(), circuitBreaker({ name: `api:${path}` }), timeout(2_000))),
 * })
 */
export function perProcedure(
  create: (key: string) => Policy,
  options: PerProcedureOptions = {},
): (op: Operation) => Policy {
  if (typeof create !== 'function')
    throw new ConfigError('perProcedure.create', `expected a function (key) => Policy, got ${typeof create}`);
  if (typeof options !== 'object' || options === null)
    throw new ConfigError(
      'perProcedure',
      `expected an options object, got ${options === null ? 'null' : typeof options}`,
    );
  for (const k of Object.keys(options)) {
    if (k !== 'key' && k !== 'maxPolicies')
      throw new ConfigError(`perProcedure.${k}`, 'unknown option (expected key or maxPolicies)');
  }
  const max = options.maxPolicies ?? 256;
  if (typeof max !== 'number' || !Number.isInteger(max) || max < 1 || max > 1_000_000) {
    throw new ConfigError('perProcedure.maxPolicies', `expected an integer from 1 to 1000000, got ${String(max)}`);
  }
  const keyOf = options.key ?? ((op: Operation) => op.path);
  if (typeof keyOf !== 'function')
    throw new ConfigError('perProcedure.key', `expected a function (op) => string, got ${typeof keyOf}`);
  const policies = new Map<string, Policy>();
  return (op) => {
    const key = keyOf(op);
    if (typeof key !== 'string')
      throw new ConfigError('perProcedure.key', `expected the key function to return a string, got ${typeof key}`);
    let policy = policies.get(key);
    if (policy !== undefined) {
      // Map order is insertion order: re-inserting makes this the most recently used.
      policies.delete(key);
      policies.set(key, policy);
      return policy;
    }
    policy = create(key);
    policies.set(key, policy);
    if (policies.size > max) {
      const [oldestKey, oldest] = policies.entries().next().value as [string, Policy];
      policies.delete(oldestKey);
      closeQuietly(oldest);
    }
    return policy;
  };
}

function closeQuietly(policy: Policy): void {
  const close = (policy as { close?: () => unknown }).close;
  if (typeof close !== 'function') return;
  try {
    const done = close.call(policy);
    if (done !== null && typeof done === 'object' && typeof (done as Promise<unknown>).then === 'function') {
      (done as Promise<unknown>).then(undefined, () => undefined);
    }
  } catch {
    // Closing an evicted policy is best effort.
  }
}
