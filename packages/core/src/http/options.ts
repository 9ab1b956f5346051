import type { LoadBalancer } from '../balancing/types.js';
import { ConfigError } from '../errors.js';
import type { Policy } from '../policy.js';
import { defaultIsFailure } from './classify.js';
import type { TracePropagator } from './propagation.js';
import { describe, validateStickyKey, type StickyKey } from './sticky-key.js';

/** Options every HTTP adapter (axios, fetch) accepts. */
export interface HttpAdapterOptions {
  /** Resilience around each logical request, e.g. `pipeline(retry(), circuitBreaker({ name }), timeout(2000))`. */
  policy?: Policy;
  /** Relative URLs go to the picked endpoint's `url`; each attempt may pick another endpoint. */
  balancer?: LoadBalancer;
  /** Retry POST/PATCH/... even without an `Idempotency-Key` header. Default false. */
  retryNonIdempotent?: boolean;
  /**
   * Decides what counts as a failure. Receives a response or an error. Default: network error,
   * timeout, 5xx, 408, 429.
   */
  isFailure?: (errorOrResponse: unknown) => boolean;
  /** Cap for a server's Retry-After delay (ms) before it reaches the retry policy. Default: no cap here. */
  maxRetryAfterMs?: number;
  /** Where a balanced request's consistent-hashing key comes from (cookie, header or function). */
  stickyKey?: StickyKey;
  /**
   * Trace-context injection: a function writing headers into a record, or `false` to disable.
   * Default: `@opentelemetry/api`'s global propagator when installed.
   */
  propagate?: TracePropagator | false;
}

/** {@link HttpAdapterOptions} after validation, defaults applied. */
export interface ResolvedHttpAdapterOptions {
  policy: Policy | undefined;
  balancer: LoadBalancer | undefined;
  retryNonIdempotent: boolean;
  isFailure: (errorOrResponse: unknown) => boolean;
  maxRetryAfterMs: number | undefined;
  stickyKey: StickyKey | undefined;
  propagate: TracePropagator | false | undefined;
}

function hasMethods(v: unknown, ...names: string[]): boolean {
  return (
    typeof v === 'object' && v !== null && names.every((n) => typeof (v as Record<string, unknown>)[n] === 'function')
  );
}

/**
 * Validates the shared adapter options. `prefix` names the factory in ConfigError paths
 * (`withResilience`, `createFetch`), e.g. `createFetch.maxRetryAfterMs`.
 */
export function resolveHttpAdapterOptions(o: unknown, prefix: string): ResolvedHttpAdapterOptions {
  if (o === undefined) o = {};
  if (typeof o !== 'object' || o === null || Array.isArray(o)) {
    throw new ConfigError(prefix, `expected an options object, got ${describe(o)}`);
  }
  const r = o as Record<string, unknown>;
  if (r.policy !== undefined && !hasMethods(r.policy, 'execute')) {
    throw new ConfigError(
      `${prefix}.policy`,
      `expected a Policy (an object with execute(fn, opts)), got ${describe(r.policy)}`,
    );
  }
  if (r.balancer !== undefined && !hasMethods(r.balancer, 'execute', 'pick', 'endpoints')) {
    throw new ConfigError(
      `${prefix}.balancer`,
      `expected a LoadBalancer (from loadBalancer()), got ${describe(r.balancer)}`,
    );
  }
  if (r.retryNonIdempotent !== undefined && typeof r.retryNonIdempotent !== 'boolean') {
    throw new ConfigError(`${prefix}.retryNonIdempotent`, `expected a boolean, got ${describe(r.retryNonIdempotent)}`);
  }
  if (r.isFailure !== undefined && typeof r.isFailure !== 'function') {
    throw new ConfigError(
      `${prefix}.isFailure`,
      `expected a function (errorOrResponse) => boolean, got ${describe(r.isFailure)}`,
    );
  }
  if (
    r.maxRetryAfterMs !== undefined &&
    !(typeof r.maxRetryAfterMs === 'number' && r.maxRetryAfterMs >= 0 && Number.isFinite(r.maxRetryAfterMs))
  ) {
    throw new ConfigError(
      `${prefix}.maxRetryAfterMs`,
      `expected a non-negative number of milliseconds, got ${describe(r.maxRetryAfterMs)}`,
    );
  }
  if (r.propagate !== undefined && r.propagate !== false && typeof r.propagate !== 'function') {
    throw new ConfigError(
      `${prefix}.propagate`,
      `expected a function (headers) => void or false, got ${describe(r.propagate)}`,
    );
  }
  return {
    policy: r.policy as Policy | undefined,
    balancer: r.balancer as LoadBalancer | undefined,
    retryNonIdempotent: (r.retryNonIdempotent as boolean | undefined) ?? false,
    isFailure: (r.isFailure as ((x: unknown) => boolean) | undefined) ?? defaultIsFailure,
    maxRetryAfterMs: r.maxRetryAfterMs as number | undefined,
    stickyKey: validateStickyKey(r.stickyKey, `${prefix}.stickyKey`),
    propagate: r.propagate as TracePropagator | false | undefined,
  };
}

/**
 * Validates a `pooling` option: `undefined`, a boolean, or an object whose `keys` are positive
 * integers when present. Throws ConfigError naming `path` (e.g. `createFetch.pooling.connections`).
 */
export function resolvePoolingOption<K extends string>(
  v: unknown,
  path: string,
  keys: readonly K[],
): boolean | Partial<Record<K, number>> | undefined {
  if (v === undefined || typeof v === 'boolean') return v;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new ConfigError(path, `expected a boolean or { ${keys.map((k) => `${k}?`).join(', ')} }, got ${describe(v)}`);
  }
  const r = v as Record<string, unknown>;
  for (const k of keys) {
    const n = r[k];
    if (n !== undefined && !(typeof n === 'number' && Number.isInteger(n) && n > 0)) {
      throw new ConfigError(`${path}.${k}`, `expected a positive integer, got ${describe(n)}`);
    }
  }
  return r as Partial<Record<K, number>>;
}
