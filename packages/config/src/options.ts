import {
  adaptive,
  circuitBreaker,
  consistentHash,
  failureRate,
  leastConnections,
  p2cEwma,
  roundRobin,
  weightedLeastConnections,
  weightedRoundRobin,
  type CircuitBreaker,
  type Clock,
  type Endpoint,
  type BreakerStore,
  type Strategy,
} from '@breakwater/core';
import { BREAKER_DEFAULTS, resolveBreakerSettings, type BreakerSettings } from './schema/circuit-breaker.js';
import type { BreakwaterConfig } from './schema/config.js';

/** Options of `circuitBreaker()` without the name, as built from config. */
export type BreakerOptions = Omit<Parameters<typeof circuitBreaker>[0], 'name'>;

/** Options of `loadBalancer()`, as built from config. */
export type BalancerOptions = Parameters<typeof import('@breakwater/core').loadBalancer>[0];

/** The default breaker settings of a config (file values over built-in defaults). */
export function defaultBreakerSettings(config: BreakwaterConfig): BreakerSettings {
  return resolveBreakerSettings(BREAKER_DEFAULTS, config.circuit_breaker);
}

/** Settings for `service`: its `services.<name>` override over the defaults (defaults when unlisted). */
export function breakerSettingsFor(config: BreakwaterConfig, service: string): BreakerSettings {
  const services = config.circuit_breaker?.services;
  const override = services !== undefined && Object.hasOwn(services, service) ? services[service] : undefined;
  return resolveBreakerSettings(defaultBreakerSettings(config), override);
}

/** Turns resolved settings into `circuitBreaker()` options: failure_threshold % → failureRate. */
export function toBreakerOptions(s: BreakerSettings, o: { store?: BreakerStore; clock?: Clock } = {}): BreakerOptions {
  const opts: BreakerOptions = {
    trip: failureRate({
      threshold: s.failureThreshold / 100,
      minimumRequests: s.minRequests,
      window: { kind: 'time', ms: s.windowMs, buckets: s.windowBuckets },
    }),
    halfOpenAfterMs: s.timeoutMs,
    mode: s.mode,
  };
  if (Object.keys(s.halfOpen).length > 0) opts.halfOpen = { ...s.halfOpen };
  if (s.slowCall !== undefined)
    opts.slowCall = { thresholdMs: s.slowCall.thresholdMs, rateThreshold: s.slowCall.ratePercent / 100 };
  if (o.store !== undefined) opts.store = o.store;
  if (o.clock !== undefined) opts.clock = o.clock;
  return opts;
}

/** A breaker for `service` built from config. */
export function breakerFromConfig(
  config: BreakwaterConfig,
  service: string,
  o: { store?: BreakerStore; clock?: Clock } = {},
): CircuitBreaker {
  return circuitBreaker({ name: service, ...toBreakerOptions(breakerSettingsFor(config, service), o) });
}

/** The strategy named by `load_balancer.algorithm`; session affinity turns it into consistent hashing. */
export function strategyFromConfig(config: BreakwaterConfig): Strategy {
  const lb = config.load_balancer;
  const hash = (): Strategy => {
    const h = lb.consistent_hash;
    const ho: Parameters<typeof consistentHash>[0] = {};
    if (h?.algorithm !== undefined) ho.algorithm = h.algorithm;
    // Sticky sessions without a load bound can pile every heavy user onto one server.
    ho.boundedLoad = h?.bounded_load ?? 1.25;
    return consistentHash(ho);
  };
  const affinity = lb.session_affinity;
  if (affinity !== undefined && affinity.enabled !== false) return hash();
  switch (lb.algorithm ?? 'p2c_ewma') {
    case 'round_robin':
      return roundRobin();
    case 'weighted_round_robin':
      return weightedRoundRobin();
    case 'least_connections':
      return leastConnections();
    case 'weighted_least_connections':
      return weightedLeastConnections();
    case 'consistent_hash':
      return hash();
    case 'adaptive':
      return adaptive();
    case 'p2c_ewma':
      return p2cEwma();
  }
}

/** The servers as balancer endpoints (ids without credentials). */
export function endpointsFromConfig(config: BreakwaterConfig): Endpoint[] {
  return config.load_balancer.servers.map((s) => {
    const e: Endpoint = { id: s.id, url: s.url, weight: s.weight };
    if (s.max_connections !== undefined) e.maxConnections = s.max_connections;
    if (s.region !== undefined) e.region = s.region;
    if (s.zone !== undefined) e.zone = s.zone;
    if (s.backup) e.backup = true;
    if (s.metadata !== undefined) e.metadata = { ...s.metadata };
    return e;
  });
}

/** `loadBalancer()` options built from config. */
export function toBalancerOptions(
  config: BreakwaterConfig,
  o: { store?: BreakerStore; clock?: Clock } = {},
): BalancerOptions {
  const lb = config.load_balancer;
  const opts: BalancerOptions = {
    name: lb.name ?? 'default',
    endpoints: endpointsFromConfig(config),
    strategy: strategyFromConfig(config),
  };
  const hc = lb.health_check;
  if (hc !== undefined && hc.enabled !== false) {
    const h: NonNullable<BalancerOptions['healthCheck']> = {};
    if (hc.path !== undefined) h.path = hc.path;
    if (hc.interval !== undefined) h.intervalMs = hc.interval;
    if (hc.timeout !== undefined) h.timeoutMs = hc.timeout;
    if (hc.healthy_threshold !== undefined) h.healthyThreshold = hc.healthy_threshold;
    if (hc.unhealthy_threshold !== undefined) h.unhealthyThreshold = hc.unhealthy_threshold;
    opts.healthCheck = h;
  }
  const od = lb.outlier_detection;
  if (od !== undefined) {
    const d: NonNullable<BalancerOptions['outlierDetection']> = {};
    if (od.consecutive_failures !== undefined) d.consecutiveFailures = od.consecutive_failures;
    if (od.base_ejection_time !== undefined) d.baseEjectionMs = od.base_ejection_time;
    if (od.max_ejection_percent !== undefined) d.maxEjectionPercent = od.max_ejection_percent;
    opts.outlierDetection = d;
  }
  const r = config.regions;
  if (r !== undefined) {
    const l: NonNullable<BalancerOptions['locality']> = {};
    if (r.local !== undefined) l.local = r.local;
    if (r.order !== undefined) l.order = [...r.order];
    if (r.overprovisioning_factor !== undefined) l.overprovisioningFactor = r.overprovisioning_factor;
    if (r.panic_threshold !== undefined) l.panicThreshold = r.panic_threshold / 100;
    opts.locality = l;
  }
  if (lb.endpoint_breakers !== false) opts.breaker = toBreakerOptions(defaultBreakerSettings(config), o);
  if (o.clock !== undefined) opts.clock = o.clock;
  return opts;
}
