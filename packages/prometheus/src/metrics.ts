import { ConfigError, type CircuitBreaker, type LoadBalancer, type Policy } from '@breakwater/core';
import { register as globalRegistry, type Registry } from 'prom-client';
import { collectorsFor, DEFAULT_BUCKETS, type Collectors } from './collectors.js';
import { safeLabel } from './server-label.js';
import { statusLabel } from './status-label.js';

/**
 * What Breakwater needs of a registry: prom-client's `Registry` interface. Any object with it
 * works — notably a `Registry` from another installed copy of prom-client, where `instanceof`
 * would fail.
 */
export type RegistryLike = Pick<
  Registry,
  'registerMetric' | 'getSingleMetric' | 'removeSingleMetric' | 'metrics' | 'contentType'
>;

/** Methods a registry must have (checked by duck typing, not `instanceof`). */
const REGISTRY_METHODS = ['registerMetric', 'getSingleMetric', 'removeSingleMetric', 'metrics'] as const;

const EXPECTED_SOURCE =
  'expected a CircuitBreaker, a LoadBalancer or a policy with events (retry, timeout, bulkhead, …), got something else';

function isRegistryLike(r: unknown): r is RegistryLike {
  if (typeof r !== 'object' || r === null) return false;
  try {
    return REGISTRY_METHODS.every((m) => typeof (r as Record<string, unknown>)[m] === 'function');
  } catch {
    return false;
  }
}

/** Options of {@link prometheusMetrics}. */
export interface PrometheusMetricsOptions {
  /**
   * Where metrics are registered; default prom-client's global registry. Any object with
   * prom-client's Registry interface (`registerMetric`, `getSingleMetric`, `removeSingleMetric`,
   * `metrics`) is accepted, e.g. a `Registry` of another installed copy of prom-client.
   */
  registry?: Registry | RegistryLike;
  /** Prepended to every metric name (like `"myapp_"`); default `''`. */
  prefix?: string;
  /** Buckets of `lb_request_duration_seconds` in seconds. */
  buckets?: number[];
}

/** What {@link prometheusMetrics} returns. */
export interface PrometheusMetrics {
  /**
   * Reports a breaker, a balancer, or a policy with events (retry, timeout, bulkhead, rateLimit,
   * fallback, cacheFallback, hedge, or a pipeline of them: each member is observed) as
   * `breakwater_policy_events_total{policy,event}`, `policy` being `o.name` (default "default").
   * Returns a function that stops reporting it (idempotent).
   */
  observe(source: CircuitBreaker | LoadBalancer | Policy, o?: { name?: string }): () => void;
  registry: Registry;
}

function isBalancer(s: unknown): s is LoadBalancer {
  return (
    typeof s === 'object' &&
    s !== null &&
    typeof (s as LoadBalancer).pick === 'function' &&
    typeof (s as LoadBalancer).endpoints === 'function'
  );
}

function isBreaker(s: unknown): s is CircuitBreaker {
  return (
    typeof s === 'object' &&
    s !== null &&
    typeof (s as CircuitBreaker).isolate === 'function' &&
    typeof (s as CircuitBreaker).on === 'function' &&
    typeof (s as CircuitBreaker).name === 'string'
  );
}

/** Adds one to a use count; returns a release that removes the source when the count hits 0. */
function retain<K>(map: Map<K, number>, key: K): () => boolean {
  map.set(key, (map.get(key) ?? 0) + 1);
  let released = false;
  return () => {
    if (released) return false;
    released = true;
    const n = (map.get(key) ?? 1) - 1;
    if (n <= 0) map.delete(key);
    else map.set(key, n);
    return n <= 0;
  };
}

function observeBalancer(c: Collectors, lb: LoadBalancer): () => void {
  const release = retain(c.balancers, lb);
  const off = lb.on('request', (e) => {
    const server = safeLabel(e.endpoint);
    c.requests.inc({ server, status: statusLabel(e) });
    // A cancelled attempt (hedge loser, caller abort) was cut short: its duration is no latency sample.
    if (e.cancelled !== true && Number.isFinite(e.durationMs) && e.durationMs >= 0)
      c.duration.observe({ server }, e.durationMs / 1000);
  });
  return () => {
    off();
    release();
  };
}

/**
 * Policy events and the `event` label each becomes. `rejected` is told apart by its payload:
 * a bulkhead reports `maxConcurrent`, a rate limiter `retryAfterMs`.
 */
const POLICY_EVENTS: ReadonlyArray<[string, (e: unknown) => string]> = [
  ['retry', () => 'retry'],
  ['giveUp', () => 'give_up'],
  ['timeout', () => 'timeout'],
  ['fallback', () => 'fallback'],
  ['hedge', () => 'hedge'],
  ['winner', () => 'hedge_winner'],
  [
    'rejected',
    (e) => (typeof e === 'object' && e !== null && 'retryAfterMs' in e ? 'rate_limited' : 'bulkhead_rejected'),
  ],
];

type Subscribable = { on(event: string, fn: (e: unknown) => void): () => void };

function observePolicy(c: Collectors, p: Policy, name: string): () => void {
  const policy = safeLabel(name);
  const members = (p as { policies?: unknown }).policies;
  const sources = [p, ...(Array.isArray(members) ? (members as unknown[]) : [])];
  const offs: Array<() => void> = [];
  for (const s of sources) {
    // Breakers and balancers inside a pipeline have their own metrics (observe them directly).
    if (
      typeof s !== 'object' ||
      s === null ||
      typeof (s as Partial<Subscribable>).on !== 'function' ||
      isBreaker(s) ||
      isBalancer(s)
    )
      continue;
    for (const [event, label] of POLICY_EVENTS) {
      try {
        offs.push((s as Subscribable).on(event, (e) => c.policyEvents.inc({ policy, event: label(e) })));
      } catch {
        // A foreign policy refusing this event name: nothing to count.
      }
    }
  }
  if (offs.length === 0) throw new ConfigError('observe.source', EXPECTED_SOURCE);
  let done = false;
  return () => {
    if (done) return;
    done = true;
    for (const off of offs) off();
  };
}

function observeBreaker(c: Collectors, b: CircuitBreaker): () => void {
  const release = retain(c.breakers, b);
  const service = safeLabel(b.name);
  const offs = [
    b.on('success', () => c.calls.inc({ service, result: 'success' })),
    b.on('failure', () => c.calls.inc({ service, result: 'failure' })),
    b.on('rejected', () => c.calls.inc({ service, result: 'rejected' })),
    b.on('stateChange', (e) => c.transitions.inc({ service, from: e.from, to: e.to })),
  ];
  return () => {
    for (const off of offs) off();
    // The last observer gone: drop the series so a disposed breaker stops being reported.
    if (release()) {
      c.calls.remove({ service, result: 'success' });
      c.calls.remove({ service, result: 'failure' });
      c.calls.remove({ service, result: 'rejected' });
    }
  };
}

/**
 * Prometheus metrics with the classic load-balancer names: `lb_requests_total{server,status}`,
 * `lb_request_duration_seconds{server}`, `lb_active_connections{server}`,
 * `circuit_breaker_state{service}` (0 closed, 1 open, 2 half-open, 3 isolated), plus
 * `circuit_breaker_calls_total{service,result}` and `circuit_breaker_transitions_total{service,from,to}`.
 * The `server` label is the endpoint id (never a URL with credentials).
 */
export function prometheusMetrics(o: PrometheusMetricsOptions = {}): PrometheusMetrics {
  if (o === null || typeof o !== 'object')
    throw new ConfigError('prometheusMetrics', `expected an options object, got ${o === null ? 'null' : typeof o}`);
  if (o.registry !== undefined && !isRegistryLike(o.registry)) {
    const missing =
      typeof o.registry === 'object' && o.registry !== null
        ? REGISTRY_METHODS.filter((m) => typeof (o.registry as unknown as Record<string, unknown>)[m] !== 'function')
        : REGISTRY_METHODS;
    throw new ConfigError(
      'prometheusMetrics.registry',
      `expected a prom-client Registry (an object with ${REGISTRY_METHODS.map((m) => `${m}()`).join(', ')}), ` +
        `got ${o.registry === null ? 'null' : typeof o.registry}` +
        (typeof o.registry === 'object' && o.registry !== null ? ` missing ${missing.join(', ')}` : ''),
    );
  }
  const prefix = o.prefix ?? '';
  if (typeof prefix !== 'string' || !/^(?:[a-zA-Z_:][a-zA-Z0-9_:]*)?$/.test(prefix)) {
    throw new ConfigError(
      'prometheusMetrics.prefix',
      `expected a metric-name prefix like "myapp_" ([a-zA-Z_:][a-zA-Z0-9_:]*), got ${JSON.stringify(prefix)}`,
    );
  }
  const buckets = o.buckets ?? DEFAULT_BUCKETS;
  if (
    !Array.isArray(buckets) ||
    buckets.length === 0 ||
    buckets.some(
      (b, i) => typeof b !== 'number' || !Number.isFinite(b) || b <= 0 || (i > 0 && b <= (buckets[i - 1] as number)),
    )
  ) {
    throw new ConfigError(
      'prometheusMetrics.buckets',
      `expected increasing positive numbers of seconds like [0.01, 0.1, 1], got ${JSON.stringify(buckets)}`,
    );
  }
  // Typed as prom-client's Registry for callers; only the RegistryLike methods are used.
  const registry = (o.registry ?? globalRegistry) as Registry;
  const c = collectorsFor(registry, prefix, buckets);
  return {
    registry,
    observe(source, opts) {
      if (isBalancer(source)) return observeBalancer(c, source);
      if (isBreaker(source)) return observeBreaker(c, source);
      const name = opts?.name ?? 'default';
      if (typeof name !== 'string' || name.length === 0)
        throw new ConfigError('observe.name', `expected a non-empty string, got ${JSON.stringify(name)}`);
      if (typeof source === 'object' && source !== null) return observePolicy(c, source, name);
      throw new ConfigError('observe.source', EXPECTED_SOURCE);
    },
  };
}
