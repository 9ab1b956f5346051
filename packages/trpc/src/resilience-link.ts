import { resilientCall, type Policy } from '@breakwater/core';
import type { Operation, TRPCLink } from '@trpc/client';
import type { AnyRouter } from '@trpc/server';
import { checkBoolean, checkFunction, checkObject, checkPolicy, defaultTrpcIsFailure, mayResend } from './options.js';
import { promiseObservable, runOperation, type Envelope } from './run-operation.js';

/** Options of {@link resilienceLink}. */
export interface ResilienceLinkOptions {
  /** Resilience around every query and mutation, e.g. `pipeline(retry(), circuitBreaker({ name: 'api' }), timeout(2000))`. */
  policy: Policy;
  /** Retry mutations too. Default false: a failed mutation is never re-sent (unless it provably never left). */
  retryMutations?: boolean;
  /** What counts as a failure. Default: network error, or HTTP status ≥ 500, 408 or 429 (`err.data?.httpStatus`, then `err.meta?.response?.status`). */
  isFailure?: (error: unknown) => boolean;
  /** Sticky / cache key of an operation (`ExecuteOptions.key`), e.g. `(op) => op.path`. */
  key?: (op: Operation) => string | undefined;
}

/**
 * A non-terminating tRPC v11 link that runs every query and mutation through `policy`: retries
 * re-subscribe to the rest of the chain, a timeout unsubscribes (and so aborts) the in-flight
 * request, and a breaker counts failures. Client errors (4xx: BAD_REQUEST, NOT_FOUND, ...) pass
 * through and do not count. Subscriptions pass through untouched.
 *
 * Errors stay `TRPCClientError`: the last one when retries run out; Breakwater's own rejections
 * (open breaker, timeout, ...) wrapped with `TRPCClientError.from(error)`, so `.cause` is the
 * Breakwater error.
 *
 * @example
 * createTRPCClient<AppRouter>({ links: [resilienceLink({ policy }), httpBatchLink({ url })] });
 */
export function resilienceLink<R extends AnyRouter>(options: ResilienceLinkOptions): TRPCLink<R> {
  const o = checkObject('resilienceLink', options, 'an options object { policy, retryMutations?, isFailure? }');
  const policy = checkPolicy('resilienceLink.policy', o.policy, true)!;
  checkBoolean('resilienceLink.retryMutations', o.retryMutations);
  checkFunction('resilienceLink.isFailure', o.isFailure);
  checkFunction('resilienceLink.key', o.key);
  const retryMutations = options.retryMutations ?? false;
  const isFailure = options.isFailure ?? defaultTrpcIsFailure;
  const keyOf = options.key;

  return () => ({ op, next }) => {
    if (op.type === 'subscription') return next(op);
    return promiseObservable<R>(op, (signal) => resilientCall<Envelope>({
      policy,
      retryable: mayResend(op, retryMutations),
      isFailure,
      signal,
      key: keyOf?.(op),
      context: { path: op.path, type: op.type },
      send: (_endpoint, ctx) => runOperation(next, op, ctx.signal),
    }));
  };
}
