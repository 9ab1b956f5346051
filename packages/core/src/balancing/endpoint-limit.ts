import { ConfigError } from '../errors.js';
import { asInternal, type InternalPolicy } from '../execution.js';
import type { Policy } from '../policy.js';
import type { Endpoint } from '../kernel/endpoint.js';
import type { EndpointState } from './live-endpoint.js';
import { describeValue } from '../kernel/options.js';

/**
 * The limiter of `s` (`loadBalancer({ endpointLimit })`), created the first time the endpoint gets a
 * call: endpoints that never get traffic cost nothing. Undefined without the option, and for an
 * endpoint already removed (a late call does not resurrect its limiter). A factory returning
 * something that is not a Policy rejects the call with a ConfigError.
 */
export function endpointLimiter(
  s: EndpointState,
  make: ((endpoint: Endpoint) => Policy) | undefined,
): InternalPolicy | undefined {
  if (make === undefined || s.removed) return s.limiter;
  if (s.limiter !== undefined) return s.limiter;
  const policy = make(s.endpoint);
  if (typeof policy !== 'object' || policy === null || typeof (policy as Partial<Policy>).execute !== 'function') {
    throw new ConfigError(
      'loadBalancer.endpointLimit',
      'expected a function returning a Policy such as bulkhead({ maxConcurrent: 20 }), ' +
        `got ${describeValue(policy)} for endpoint ${JSON.stringify(s.id)}`,
    );
  }
  s.limiterSource = policy;
  s.limiter = asInternal(policy);
  return s.limiter;
}

/**
 * Drops the endpoint's limiter and calls its `close()` when it has one (adaptive limiters hold
 * timers). Calls already inside it finish; a rejected or throwing close() is ignored.
 */
export function closeEndpointLimiter(s: EndpointState): void {
  const policy = s.limiterSource as (Policy & { close?: () => unknown }) | undefined;
  s.limiter = undefined;
  s.limiterSource = undefined;
  if (policy === undefined || typeof policy.close !== 'function') return;
  try {
    const r = policy.close();
    if (typeof (r as PromiseLike<unknown> | undefined)?.then === 'function')
      void Promise.resolve(r).catch(() => undefined);
  } catch {
    // A limiter failing to close must not fail update() or close().
  }
}
