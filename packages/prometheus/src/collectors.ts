import type { CircuitBreaker, LoadBalancer } from '@breakwater/core';
import { STATE_VALUE } from '@breakwater/core/internal';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { safeLabel } from './server-label.js';

/**
 * Gauge value of each breaker state (0 closed, 1 open, 2 half-open, plus 3 for isolated): one table
 * with OpenTelemetry's.
 */
export { STATE_VALUE };

/** Default buckets of `lb_request_duration_seconds` (seconds), as OpenTelemetry advises for HTTP clients. */
export const DEFAULT_BUCKETS: readonly number[] = [
  0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10,
];

/**
 * The metrics of one registry and the sources they report on. Shared by every
 * `prometheusMetrics()` on the same registry and prefix, so metrics are registered once.
 */
export interface Collectors {
  requests: Counter<'server' | 'status'>;
  duration: Histogram<'server'>;
  active: Gauge<'server'>;
  state: Gauge<'service'>;
  calls: Counter<'service' | 'result'>;
  transitions: Counter<'service' | 'from' | 'to'>;
  policyEvents: Counter<'policy' | 'event'>;
  balancers: Map<LoadBalancer, number>;
  breakers: Map<CircuitBreaker, number>;
}

const byRegistry = new WeakMap<Registry, Map<string, Collectors>>();

/** The collectors for `registry` and `prefix`, created on first use. */
export function collectorsFor(registry: Registry, prefix: string, buckets: readonly number[]): Collectors {
  let perPrefix = byRegistry.get(registry);
  if (perPrefix === undefined) byRegistry.set(registry, (perPrefix = new Map()));
  const existing = perPrefix.get(prefix);
  if (existing !== undefined) {
    if (stillRegistered(registry, prefix, existing)) return existing;
    // The registry was cleared (`register.clear()` between tests, a hot reload): start afresh.
    // Sources observed before keep writing to the old, unregistered metrics, which is harmless.
    for (const metric of metricsOf(existing, prefix)) {
      if (registry.getSingleMetric(metric.name) === metric.metric) registry.removeSingleMetric(metric.name);
    }
  }
  const balancers = new Map<LoadBalancer, number>();
  const breakers = new Map<CircuitBreaker, number>();
  const registers = [registry];
  const c: Collectors = {
    balancers,
    breakers,
    requests: new Counter({
      name: `${prefix}lb_requests_total`,
      help: 'Requests through the load balancer, by server and HTTP status (or error, timeout, rejected)',
      labelNames: ['server', 'status'],
      registers,
    }),
    duration: new Histogram({
      name: `${prefix}lb_request_duration_seconds`,
      help: 'Request duration per server in seconds',
      labelNames: ['server'],
      buckets: [...buckets],
      registers,
    }),
    active: new Gauge({
      name: `${prefix}lb_active_connections`,
      help: 'Calls in flight per server',
      labelNames: ['server'],
      registers,
      // Read at scrape time: always exact, and no event per call.
      collect() {
        this.reset();
        const totals = new Map<string, number>();
        for (const b of balancers.keys()) {
          for (const e of b.endpoints()) {
            const label = safeLabel(e.id);
            totals.set(label, (totals.get(label) ?? 0) + e.inFlight);
          }
        }
        for (const [server, n] of totals) this.set({ server }, n);
      },
    }),
    state: new Gauge({
      name: `${prefix}circuit_breaker_state`,
      help: 'Circuit breaker state (0=closed, 1=open, 2=half-open, 3=isolated)',
      labelNames: ['service'],
      registers,
      // Read at scrape time: an open breaker turns half-open lazily, without an event.
      collect() {
        this.reset();
        for (const b of breakers.keys()) this.set({ service: safeLabel(b.name) }, STATE_VALUE[b.state] ?? -1);
      },
    }),
    calls: new Counter({
      name: `${prefix}circuit_breaker_calls_total`,
      help: 'Calls through a circuit breaker by result (success, failure, rejected)',
      labelNames: ['service', 'result'],
      registers,
    }),
    transitions: new Counter({
      name: `${prefix}circuit_breaker_transitions_total`,
      help: 'Circuit breaker state transitions',
      labelNames: ['service', 'from', 'to'],
      registers,
    }),
    policyEvents: new Counter({
      name: `${prefix}breakwater_policy_events_total`,
      help:
        'What policies did, from their own events ' +
        '(retry, give_up, timeout, bulkhead_rejected, rate_limited, fallback, hedge, hedge_winner)',
      labelNames: ['policy', 'event'],
      registers,
    }),
  };
  perPrefix.set(prefix, c);
  return c;
}

/** Unprefixed metric names of each collector. */
const NAMES = {
  requests: 'lb_requests_total',
  duration: 'lb_request_duration_seconds',
  active: 'lb_active_connections',
  state: 'circuit_breaker_state',
  calls: 'circuit_breaker_calls_total',
  transitions: 'circuit_breaker_transitions_total',
  policyEvents: 'breakwater_policy_events_total',
} as const;

/** The metrics of `c` with their full (prefixed) names. */
function metricsOf(c: Collectors, prefix: string): Array<{ name: string; metric: unknown }> {
  return (Object.keys(NAMES) as Array<keyof typeof NAMES>).map((k) => ({ name: `${prefix}${NAMES[k]}`, metric: c[k] }));
}

/** True while every metric of `c` is still the one registered under its name. */
function stillRegistered(registry: Registry, prefix: string, c: Collectors): boolean {
  return metricsOf(c, prefix).every(({ name, metric }) => registry.getSingleMetric(name) === metric);
}
