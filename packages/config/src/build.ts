import {
  ConfigError,
  loadBalancer,
  type BreakerStore,
  type CircuitBreaker,
  type Clock,
  type LoadBalancer,
} from '@breakwater/core';
import { breakerFromConfig } from './options.js';
import { toBalancerOptions } from './options.js';
import type { BreakwaterConfig } from './schema/config.js';

/** Where the session-affinity key of a request comes from (adapters' `stickyKey` option). */
export type AffinityKey = { cookie: string } | { header: string };

/** What `buildFromConfig` returns. */
export interface BuiltConfig {
  /** The balancer over `load_balancer.servers`. */
  balancer: LoadBalancer;
  /** One breaker per `circuit_breaker.services` entry (plus any created later by `breakerFor`). */
  breakers: Record<string, CircuitBreaker>;
  /** The breaker of `service`: its override, or the defaults for an unlisted name (one per name). */
  breakerFor(service: string): CircuitBreaker;
  /**
   * Session affinity from `load_balancer.session_affinity`, or undefined. Hand it to an adapter's
   * `stickyKey` option: the cookie (or header) value becomes the consistent-hashing key.
   */
  stickyKey: AffinityKey | undefined;
  /** The validated config these objects were built from (monitoring, redis for the app). */
  config: BreakwaterConfig;
  /** Closes the balancer (health checks, timers) and disposes every breaker. Idempotent. */
  close(): Promise<void>;
}

/**
 * Builds the balancer and breakers a config describes. `store` shares breaker state across
 * replicas (e.g. a RedisBreakerStore built from `config.redis`); `clock` is for tests.
 */
export function buildFromConfig(
  config: BreakwaterConfig,
  o: { store?: BreakerStore; clock?: Clock } = {},
): BuiltConfig {
  if (config === null || typeof config !== 'object' || typeof config.load_balancer !== 'object') {
    throw new ConfigError(
      'load_balancer',
      'expected a config from loadConfig() with a load_balancer section, got none',
    );
  }
  const deps: { store?: BreakerStore; clock?: Clock } = {};
  if (o.store !== undefined) deps.store = o.store;
  if (o.clock !== undefined) deps.clock = o.clock;
  const balancer = loadBalancer(toBalancerOptions(config, deps));
  // A null prototype: service names like "constructor" must not hit Object.prototype.
  const breakers = Object.create(null) as Record<string, CircuitBreaker>;
  let closed = false;
  const breakerFor = (service: string): CircuitBreaker => {
    if (typeof service !== 'string' || service.length === 0)
      throw new ConfigError('service', `expected a non-empty service name, got ${JSON.stringify(service)}`);
    if (closed)
      throw new ConfigError(
        'service',
        `expected an open configuration, got one already closed (breakerFor("${service}"))`,
      );
    return (breakers[service] ??= breakerFromConfig(config, service, deps));
  };
  for (const service of Object.keys(config.circuit_breaker?.services ?? {})) breakerFor(service);
  const affinity = config.load_balancer.session_affinity;
  let stickyKey: AffinityKey | undefined;
  if (affinity !== undefined && affinity.enabled !== false) {
    stickyKey =
      affinity.method === 'cookie'
        ? { cookie: affinity.cookie_name as string }
        : { header: affinity.header_name as string };
  }
  let closing: Promise<void> | undefined;
  return {
    balancer,
    breakers,
    breakerFor,
    stickyKey,
    config,
    close() {
      closed = true;
      closing ??= (async () => {
        for (const b of Object.values(breakers)) b.dispose();
        await balancer.close();
      })();
      return closing;
    },
  };
}
