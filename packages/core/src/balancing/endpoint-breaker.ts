import type { BreakerEvent } from './types.js';
import type { CircuitBreaker, CircuitBreakerOptions, StateChangeEvent } from '../breaker/types.js';
import { DEFAULT_HALF_OPEN_AFTER_MS } from '../breaker/options.js';
import type { Clock } from '../clock.js';
import { ConfigError } from '../errors.js';
import { isLocalResourceError } from '../local-resource-error.js';
import type { EndpointState } from './live-endpoint.js';

/** Balancer-wide settings a per-endpoint breaker inherits unless its own options say otherwise. */
export interface BreakerDefaults {
  clock: Clock;
  isFailure: (error: unknown) => boolean;
  isResultFailure: ((result: unknown) => boolean) | undefined;
}

/**
 * Gives `s` its own circuit breaker named `name` (`${balancer}/${endpoint.id}`); its state changes
 * call `onChange` so the balancer re-plans (an open breaker takes the endpoint out of picks), and
 * picks ask its `wouldAdmit()` (when it has one) so an endpoint whose breaker would refuse is skipped.
 * ConfigErrors are re-pathed to `loadBalancer.breaker.*`.
 */
export function attachEndpointBreaker(
  s: EndpointState,
  name: string,
  options: Omit<CircuitBreakerOptions, 'name'>,
  create: (o: CircuitBreakerOptions) => CircuitBreaker,
  defaults: BreakerDefaults,
  onChange: (e: StateChangeEvent) => void,
): void {
  // The balancer's isFailure may count local resource errors (adapters pass an HTTP classifier);
  // for the endpoint's breaker they stay neutral, as for outlier detection and health.
  const inherited = defaults.isFailure;
  const isFailure = options.isFailure ?? ((e: unknown) => !isLocalResourceError(e) && inherited(e));
  const o: CircuitBreakerOptions = { ...options, name, clock: options.clock ?? defaults.clock, isFailure };
  const isResultFailure = options.isResultFailure ?? defaults.isResultFailure;
  if (isResultFailure !== undefined) o.isResultFailure = isResultFailure;
  let breaker: CircuitBreaker;
  try {
    breaker = create(o);
  } catch (e) {
    if (e instanceof ConfigError)
      throw new ConfigError(
        e.path.replace(/^circuitBreaker/, 'loadBalancer.breaker'),
        e.message.replace(/^[^:]*: /, ''),
      );
    throw e;
  }
  s.breaker = breaker;
  s.gate = typeof breaker.wouldAdmit === 'function' ? breaker : undefined;
  // Breakwater breakers say when they next admit a probe (nextProbeAt); for one that cannot, the
  // balancer estimates from its open period (with a Backoff: its current one, when it shows it).
  if (breaker.nextProbeAt === undefined) {
    const openMs = options.halfOpenAfterMs ?? DEFAULT_HALF_OPEN_AFTER_MS;
    s.breakerOpenMs =
      typeof openMs === 'number'
        ? openMs
        : ((breaker as { halfOpenAfterMs?: number }).halfOpenAfterMs ?? DEFAULT_HALF_OPEN_AFTER_MS);
  }
  s.breakerOff = breaker.on('stateChange', onChange);
}

/** Unsubscribes from and disposes the endpoint's breaker (removed endpoint, closed balancer). */
export function disposeEndpointBreaker(s: EndpointState): void {
  s.breakerOff?.();
  s.breakerOff = undefined;
  s.breaker?.dispose();
  s.gate = undefined;
}

/** The balancer's `breaker` event for a state change of endpoint `endpoint`'s breaker. */
export function breakerEventOf(endpoint: string, e: StateChangeEvent): BreakerEvent {
  return { endpoint, from: e.from, to: e.to, reason: e.reason, at: e.at, remote: e.remote };
}
