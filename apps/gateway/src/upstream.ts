import {
  circuitBreaker,
  consecutiveFailures,
  exponentialBackoff,
  hedge,
  leastConnections,
  loadBalancer,
  p2cEwma,
  pipeline,
  retry,
  retryBudget,
  router,
  timeout,
  type BreakerStore,
  type CircuitBreaker,
  type CircuitBreakerOptions,
  type Endpoint,
  type LoadBalancer,
  type Policy,
} from '@breakwater/core';

/** Tuning of the upstream side; the defaults suit the demo (fast checks, fast failover). */
export interface UpstreamTuning {
  healthIntervalMs: number;
  /** Per-attempt timeout. */
  attemptTimeoutMs: number;
  /** Hedge after this long without an answer. */
  hedgeDelayMs: number;
  maxAttempts: number;
  halfOpenAfterMs: number;
}

/** Defaults used by the demo. */
export const defaultTuning: UpstreamTuning = {
  healthIntervalMs: 500,
  attemptTimeoutMs: 1_000,
  hedgeDelayMs: 80,
  maxAttempts: 5,
  halfOpenAfterMs: 1_500,
};

/** Balancers, breakers and client policies of one gateway pod. */
export interface Upstream {
  /** All replicas, regions in failover order: the default route. */
  readonly main: LoadBalancer;
  /** One balancer per region, for requests pinned with `x-region` (L7 header routing). */
  readonly pinned: ReadonlyMap<string, LoadBalancer>;
  /** Connection balancer for L4 mode (least connections), created on first use. */
  l4(): LoadBalancer;
  /** Every per-endpoint breaker, by name (`replicas/eu-1`, `pinned-us/us-2`, ...). */
  readonly breakers: ReadonlyMap<string, CircuitBreaker>;
  /** L7 routing: header `x-region: <region>` pins a request to that region, else failover order. */
  resolve(req: { path: string; method?: string; headers?: Record<string, string | undefined> }): LoadBalancer;
  /** A fresh retry(budgeted) → hedge → timeout pipeline; the adapter puts the balancer inside it. */
  clientPolicy(): Policy;
  close(): Promise<void>;
}

/** Builds the balancers of one pod. Breakers attach to `store`, so pods sharing it share breaker state. */
export function createUpstream(o: {
  replicas: Endpoint[];
  regions: string[];
  store: BreakerStore;
  tuning?: Partial<UpstreamTuning>;
}): Upstream {
  const t = { ...defaultTuning, ...o.tuning };
  const breakers = new Map<string, CircuitBreaker>();
  const createBreaker = (opts: CircuitBreakerOptions): CircuitBreaker => {
    const b = circuitBreaker(opts);
    breakers.set(opts.name, b);
    return b;
  };
  // No isFailure override: an attempt cancelled because its hedge twin won (or the client left) is
  // neutral for breakers and balancers in core, while one cut by the attempt timeout counts.
  const breaker = {
    trip: consecutiveFailures(3),
    halfOpenAfterMs: t.halfOpenAfterMs,
    // One probe at a time fleet-wide (the store holds the lease): no thundering herd on recovery.
    halfOpen: { maxProbes: 1, successesToClose: 2, probeTimeoutMs: t.attemptTimeoutMs * 2 },
    store: o.store,
  };
  const healthCheck = {
    intervalMs: t.healthIntervalMs,
    timeoutMs: Math.min(t.attemptTimeoutMs, t.healthIntervalMs),
    healthyThreshold: 2,
    unhealthyThreshold: 3,
  };
  // Outlier detection (local to this pod) reacts after 2 failures so a retry soon lands elsewhere;
  // the breaker (shared by the fleet) waits for 3, so one pod's bad luck does not open it for all.
  const outlierDetection = {
    consecutiveFailures: 2,
    baseEjectionMs: 1_000,
    maxEjectionMs: 4_000,
    maxEjectionPercent: 50,
  };

  const main = loadBalancer({
    name: 'replicas',
    endpoints: o.replicas,
    strategy: p2cEwma({ decayMs: 2_000 }),
    healthCheck,
    outlierDetection,
    locality: { order: o.regions, overprovisioningFactor: 1.4, panicThreshold: 0.25 },
    breaker,
    createBreaker,
  });
  const pinned = new Map<string, LoadBalancer>();
  for (const region of o.regions) {
    pinned.set(
      region,
      loadBalancer({
        name: `pinned-${region}`,
        endpoints: o.replicas.filter((r) => r.region === region),
        strategy: p2cEwma({ decayMs: 2_000 }),
        healthCheck: { ...healthCheck, intervalMs: t.healthIntervalMs * 10 },
        outlierDetection,
        breaker,
        createBreaker,
      }),
    );
  }
  let l4: LoadBalancer | undefined;
  const routes = [...pinned].map(([region, lb]) => ({ match: { header: { 'x-region': region } }, to: lb }));
  const l7 = router({ routes, default: main });
  const budget = retryBudget({ ratio: 0.5, minRetriesPerSecond: 50, windowMs: 5_000 });

  return {
    main,
    pinned,
    l4: () =>
      (l4 ??= loadBalancer({
        name: 'l4',
        endpoints: o.replicas,
        strategy: leastConnections(),
        healthCheck: { ...healthCheck, intervalMs: t.healthIntervalMs * 2 },
        outlierDetection,
        locality: { order: o.regions, panicThreshold: 0.25 },
      })),
    breakers,
    resolve: (req) => l7.resolve(req),
    // The default retryOn suffices: balancers skip endpoints whose breaker would refuse, so a circuit
    // rejection never reaches this retry; when every endpoint refuses it fails fast (not retried).
    clientPolicy: () =>
      pipeline(
        retry({
          maxAttempts: t.maxAttempts,
          backoff: exponentialBackoff({ initialMs: 10, maxMs: 100, jitter: 'full' }),
          budget,
        }),
        hedge({ delayMs: t.hedgeDelayMs }),
        timeout(t.attemptTimeoutMs),
      ),
    async close() {
      await Promise.all([main.close(), l4?.close(), ...[...pinned.values()].map((lb) => lb.close())]);
      for (const b of breakers.values()) b.dispose();
    },
  };
}
