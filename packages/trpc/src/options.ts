import { ConfigError, type Policy } from '@breakwater/core';
import { checkOptions, defaultIsFailure, describeValue } from '@breakwater/core/internal';
import type { Operation } from '@trpc/client';

// The link factories check their options with the core's options vocabulary (issue 18.2).
export { checkBoolean, checkFunction } from '@breakwater/core/internal';

/** The link factory's options argument: a plain object (`expected` spells out its shape). */
export function checkObject(path: string, v: unknown, expected: string): Record<string, unknown> {
  checkOptions(path, v, true, expected);
  return v as Record<string, unknown>;
}

export function checkPolicy(path: string, v: unknown, required: boolean): Policy | undefined {
  if (v === undefined && !required) return undefined;
  if (typeof v !== 'object' || v === null || typeof (v as Policy).execute !== 'function') {
    throw new ConfigError(
      path,
      `expected a Policy (an object with execute(fn, opts))` +
        `${path.endsWith('policy') ? ' or a function (op) => Policy' : ''}, got ${describeValue(v)}`,
    );
  }
  return v as Policy;
}

/**
 * A link's `policy` option: a Policy, or a function of the operation returning one (checked on
 * each call, so a factory bug surfaces as a clear error rather than a TypeError deep inside).
 */
export function resolvePolicyOption(path: string, v: unknown): (op: Operation) => Policy {
  if (typeof v === 'function') {
    const choose = v as (op: Operation) => unknown;
    return (op) => checkPolicy(`${path}(op "${op.path}")`, choose(op), true)!;
  }
  const policy = checkPolicy(path, v, true)!;
  return () => policy;
}

/**
 * Default classification for tRPC: status from `err.data?.httpStatus`, then
 * `err.meta?.response?.status`; no status = network error.
 */
export const defaultTrpcIsFailure: (e: unknown) => boolean = defaultIsFailure;

/** Whether `op` may be sent more than once. */
export function mayResend(op: Operation, retryMutations: boolean): boolean {
  return op.type === 'query' || retryMutations;
}
