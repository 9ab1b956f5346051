import { type Policy } from '@breakwater/core';
import { resilientCall } from '@breakwater/core/internal';
import { TRPCClientError, type Operation, type TRPCLink } from '@trpc/client';
import type { AnyRouter } from '@trpc/server';
import { chainRetriesMutations, declareRetryMutations } from './chain.js';
import {
  checkBoolean,
  checkFunction,
  checkObject,
  defaultTrpcIsFailure,
  mayResend,
  resolvePolicyOption,
} from './options.js';
import { promiseObservable, runOperation, toClientError, type Envelope } from './run-operation.js';

/** Options of {@link resilienceLink}. */
export interface ResilienceLinkOptions {
  /**
   * Resilience around every query and mutation, e.g.
   * `pipeline(retry(), circuitBreaker({ name: 'api' }), timeout(2000))`;
   * or a function choosing the policy per operation — use {@link perProcedure} so each procedure
   * (or path prefix) gets its own breaker and one failing procedure cannot open the others.
   */
  policy: Policy | ((op: Operation) => Policy);
  /**
   * Retry mutations too. Default false: a failed mutation is never re-sent (unless it provably
   * never left). Applies to the whole link chain: set on this link or on `balancedLink`, both honour it.
   */
  retryMutations?: boolean;
  /**
   * What counts as a failure. Default: network error, or HTTP status ≥ 500, 408 or 429
   * (`err.data?.httpStatus`, then `err.meta?.response?.status`).
   */
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
 * Breakwater error and `meta.breakwater.code` its code. When the server answered with an error
 * earlier in the same call, that `TRPCClientError` stays reachable as `meta.breakwater.lastError`
 * (with its `data.code`).
 *
 * @example
 * createTRPCClient<AppRouter>({ links: [resilienceLink({ policy }), httpBatchLink({ url })] });
 */
export function resilienceLink<R extends AnyRouter>(options: ResilienceLinkOptions): TRPCLink<R> {
  const o = checkObject('resilienceLink', options, 'an options object { policy, retryMutations?, isFailure? }');
  const policyFor = resolvePolicyOption('resilienceLink.policy', o.policy);
  checkBoolean('resilienceLink.retryMutations', o.retryMutations);
  checkFunction('resilienceLink.isFailure', o.isFailure);
  checkFunction('resilienceLink.key', o.key);
  const retryMutations = options.retryMutations ?? false;
  const isFailure = options.isFailure ?? defaultTrpcIsFailure;
  const keyOf = options.key;

  return (runtime) => {
    if (retryMutations) declareRetryMutations(runtime);
    return ({ op, next }) => {
      if (op.type === 'subscription') return next(op);
      // The server's last error, kept reachable when a Breakwater rejection ends the call.
      let lastServerError: TRPCClientError<AnyRouter> | undefined;
      return promiseObservable<R>(op, (signal) =>
        resilientCall<Envelope>({
          policy: policyFor(op),
          retryable: mayResend(op, retryMutations || chainRetriesMutations(runtime)),
          isFailure,
          signal,
          key: keyOf?.(op),
          context: { path: op.path, type: op.type },
          send: (_endpoint, ctx) =>
            runOperation(next, op, ctx.signal).catch((e: unknown) => {
              if (e instanceof TRPCClientError) lastServerError = e as TRPCClientError<AnyRouter>;
              throw e;
            }),
        }).catch((e: unknown) => {
          throw lastServerError !== undefined && e !== lastServerError ? toClientError(e, lastServerError) : e;
        }),
      );
    };
  };
}
