import { ConfigError, constantBackoff, retry, type Endpoint, type LoadBalancer, type Policy } from '@breakwater/core';
import { resilientCall, splitCredentials } from '@breakwater/core/internal';
import type { Operation, OperationLink, TRPCClientError, TRPCLink } from '@trpc/client';
import type { AnyRouter } from '@trpc/server';
import { observable } from '@trpc/server/observable';
import { chainRetriesMutations, declareRetryMutations } from './chain.js';
import { checkBoolean, checkFunction, checkObject, checkPolicy, defaultTrpcIsFailure, mayResend } from './options.js';
import { promiseObservable, runOperation, toClientError, type Envelope } from './run-operation.js';

/** How to reach one endpoint: its URL without credentials, and the headers that carry them. */
export interface EndpointConnection {
  /** The endpoint URL with any `user:password@` removed. */
  url: string;
  /** `{ authorization: 'Basic …' }` when the URL had credentials, else empty. */
  headers: Record<string, string>;
}

/** Options of {@link balancedLink}. */
export interface BalancedLinkOptions<R extends AnyRouter> {
  balancer: LoadBalancer;
  /**
   * Builds the terminating link of one endpoint, e.g.
   * `(ep, conn) => httpBatchLink({ url: conn.url, headers: conn.headers })`. Called once per
   * endpoint (again when its URL changes), lazily. Credentials in the endpoint's URL
   * (`http://svc:secret@host`) are split off: `endpoint.url` and `conn.url` are credential-free
   * and `conn.headers` carries them as a Basic `Authorization` header.
   */
  link: (endpoint: Endpoint, conn: EndpointConnection) => TRPCLink<R>;
  /**
   * Extra endpoints to try when an attempt fails (network error, 5xx, 408, 429). Default 1.
   * Each goes to an endpoint this operation has not tried; with none left there is no further
   * attempt (one endpoint: no failover at all). Queries fail over; mutations only with
   * `retryMutations` (on either link) or when the request provably never left (connection
   * refused). Ignored when `policy` is given.
   */
  failover?: number;
  /**
   * Replaces the failover policy (e.g. a `retry` with a budget); runs around each balanced
   * attempt. Its attempts, too, only go to endpoints not yet tried in this operation.
   */
  policy?: Policy;
  /** Fail mutations over like queries. Default false. Applies to the whole link chain (see resilienceLink). */
  retryMutations?: boolean;
  /** What counts as a failure. Default: network error, or status ≥ 500, 408, 429. */
  isFailure?: (error: unknown) => boolean;
  /** Consistent-hashing key of an operation, e.g. `(op) => String(op.context.userId)`. */
  key?: (op: Operation) => string | undefined;
}

/**
 * A terminating tRPC v11 link that routes every operation through a load balancer. It holds one
 * terminating link per endpoint (built lazily with `link(endpoint)`, so batching still works per
 * endpoint), feeds the balancer's latency/outlier/breaker state with each outcome, and fails
 * over to another endpoint (or region) when an attempt fails. Subscriptions are pinned to the
 * endpoint picked when they start.
 *
 * @example
 * links: [resilienceLink({ policy }), balancedLink({ balancer, link: (ep) => httpBatchLink({ url: ep.url }) })]
 */
export function balancedLink<R extends AnyRouter>(options: BalancedLinkOptions<R>): TRPCLink<R> {
  const o = checkObject('balancedLink', options, 'an options object { balancer, link }');
  const b = o.balancer as Partial<LoadBalancer> | undefined;
  if (typeof b !== 'object' || b === null || typeof b.execute !== 'function' || typeof b.pick !== 'function') {
    throw new ConfigError('balancedLink.balancer', 'expected a LoadBalancer (from loadBalancer())');
  }
  if (typeof o.link !== 'function')
    throw new ConfigError('balancedLink.link', `expected a function (endpoint) => TRPCLink, got ${typeof o.link}`);
  const failover = o.failover ?? 1;
  if (typeof failover !== 'number' || !Number.isInteger(failover) || failover < 0) {
    throw new ConfigError('balancedLink.failover', `expected a non-negative integer, got ${String(failover)}`);
  }
  checkBoolean('balancedLink.retryMutations', o.retryMutations);
  checkFunction('balancedLink.isFailure', o.isFailure);
  checkFunction('balancedLink.key', o.key);
  const policy =
    checkPolicy('balancedLink.policy', o.policy, false) ??
    (failover > 0 ? retry({ maxAttempts: failover + 1, backoff: constantBackoff(0) }) : undefined);
  const { balancer, link } = options;
  const retryMutations = options.retryMutations ?? false;
  const isFailure = options.isFailure ?? defaultTrpcIsFailure;
  const keyOf = options.key;

  return (runtime) => {
    if (retryMutations) declareRetryMutations(runtime);
    const perEndpoint = new Map<string, { url: string; link: OperationLink<R> }>();
    const linkFor = (endpoint: Endpoint): OperationLink<R> => {
      let entry = perEndpoint.get(endpoint.id);
      if (entry === undefined || entry.url !== endpoint.url) {
        const conn = connectionOf(endpoint.url);
        entry = { url: endpoint.url, link: link({ ...endpoint, url: conn.url }, conn)(runtime) };
        perEndpoint.set(endpoint.id, entry);
      }
      return entry.link;
    };
    const terminal = (): never => {
      throw new Error('balancedLink is a terminating link: put it last in the links array');
    };

    return ({ op }) => {
      const key = keyOf?.(op);
      if (op.type === 'subscription') {
        // Pinned: a subscription stays on the endpoint picked when it starts.
        return observable((observer) => {
          let endpoint: Endpoint;
          try {
            endpoint = balancer.pick(key === undefined ? undefined : { key });
          } catch (e) {
            observer.error(toClientError(e) as TRPCClientError<R>);
            return () => undefined;
          }
          const sub = linkFor(endpoint)({ op, next: terminal }).subscribe(observer);
          return () => sub.unsubscribe();
        });
      }
      return promiseObservable<R>(op, (signal) =>
        resilientCall<Envelope>({
          policy,
          balancer,
          retryable: mayResend(op, retryMutations || chainRetriesMutations(runtime)),
          untriedOnly: true,
          isFailure,
          signal,
          key,
          context: { path: op.path, type: op.type },
          send: (endpoint, ctx) =>
            runOperation((inner) => linkFor(endpoint!)({ op: inner, next: terminal }), op, ctx.signal),
        }),
      );
    };
  };
}

/** Splits credentials off an endpoint URL (fetch refuses URLs with them) into an Authorization header. */
function connectionOf(url: string): EndpointConnection {
  const split = splitCredentials(url);
  if (split.authorization === undefined) return { url, headers: {} };
  // URL serialisation adds a '/' to a bare origin; tRPC appends '/<path>' itself.
  const clean = !url.endsWith('/') && split.url.endsWith('/') ? split.url.slice(0, -1) : split.url;
  return { url: clean, headers: { authorization: split.authorization } };
}
