import type { Clock } from '../clock.js';
import type { AttemptContext, ExecuteOptions, Policy } from '../policy.js';
import type { CircuitBreaker, CircuitBreakerOptions } from '../breaker/types.js';
import type { Endpoint } from '../kernel/endpoint.js';
import type { BreakerState } from '../kernel/breaker-state.js';

export type { Endpoint } from '../kernel/endpoint.js';

/** An endpoint with its live state, as `LoadBalancer.endpoints()` reports it. Reading it changes nothing. */
export type EndpointView = Endpoint & {
  /** Health checks and outlier detection say healthy (the breaker is reported apart, in `breaker`). */
  healthy: boolean;
  ejected: boolean;
  inFlight: number;
  /**
   * The strategy's peak-EWMA latency estimate (ms): pessimistic by design — it jumps to any slower
   * sample at once (also a cancelled call's elapsed time, a failure's duration) and comes down only
   * with time (decayMs), decaying toward 0 while idle. What p2cEwma compares, not a typical latency.
   */
  ewmaMs: number;
  /**
   * Recent latency of successful calls (ms), for dashboards: the mean of the first 20 successes,
   * then an exponential average over about the last 20 (or over `decayMs` of time when calls are
   * sparse). Failures, cancelled calls and time spent in the balancer's wait queue are not in it.
   * Undefined until the first success.
   */
  latencyMs: number | undefined;
  /** State of the endpoint's circuit breaker (side-effect-free read), undefined without `breaker` options. */
  breaker: BreakerState | undefined;
};

/**
 * A balancer's event payloads. Object type aliases rather than interfaces, so a payload is
 * assignable to `Record<string, unknown>` — the payload type docs/API.md gives for `on(...)`.
 */
export type HealthEvent = { endpoint: string; healthy: boolean; reason: string; at: number };
export type EjectionEvent = {
  endpoint: string;
  ejected: boolean;
  untilMs?: number;
  count?: number;
  reason: string;
  at: number;
};
export type RegionChangeEvent = { from: string | undefined; to: string | undefined; reason: string; at: number };
/**
 * `update()` replaced the endpoint list: ids that joined and ids that left (in list order). Emitted
 * on every `update()` after construction, after the new list took effect; both arrays may be empty
 * (only definitions changed). Adapters use it to close the connection pools of removed endpoints.
 */
export type UpdateEvent = { added: string[]; removed: string[]; at: number };
/**
 * An endpoint's circuit breaker changed state (its `stateChange`, with the endpoint id). `remote`:
 * the transition came from another replica through a shared store.
 */
export type BreakerEvent = {
  endpoint: string;
  from: BreakerState;
  to: BreakerState;
  reason: string;
  at: number;
  remote: boolean;
};
/** One finished call through `execute()` / `asPolicy()`; metrics packages consume it. */
export type RequestEvent = {
  endpoint: string;
  durationMs: number;
  success: boolean;
  /** HTTP status of the result or error, when there is one (see `statusOf`). */
  status?: number;
  error?: unknown;
  region?: string;
  /**
   * True when the call failed with a local resource error raised by this process (EMFILE, ENFILE,
   * ENOBUFS, EADDRNOTAVAIL… — `isLocalResourceError`): `success` is false, but like a cancelled call
   * it counts nowhere against the endpoint (latency, error rate, outlier detection, breaker).
   */
  local?: boolean;
  /**
   * True when the call was cancelled — its context aborted for a reason other than a timeout (a
   * losing hedge attempt, the caller's signal): `success` is false but the call counted against
   * the endpoint nowhere (error rate, outlier detection, adaptive weights, breaker) except as a
   * lower bound on its latency: the elapsed time raises the peak-EWMA estimate when above it.
   */
  cancelled?: boolean;
};

/**
 * The live, per-endpoint state a strategy sees. The balancer owns it; strategies read it and may
 * use `slot` (their own index for the endpoint, reset on every rebuild) and `score`.
 */
export interface LiveEndpoint {
  readonly endpoint: Endpoint;
  readonly id: string;
  /** `endpoint.weight ?? 1`. */
  readonly weight: number;
  /** `endpoint.maxConnections ?? Infinity`. */
  readonly maxConnections: number;
  readonly inFlight: number;
  /** Peak-EWMA latency in ms as of the last observation (see `latencyAt`). */
  readonly ewmaMs: number;
  /** Clock time of the last latency observation. */
  readonly latencyAt: number;
  /** EWMA of the failure share of recent calls, 0..1. */
  readonly errorRate: number;
  /** Strategy-private index, -1 when the endpoint is not a candidate of any picker. */
  slot: number;
  /** Strategy-private learned score (adaptive); survives rebuilds. */
  score: number;
}

/** What a strategy instance gets from its balancer. */
export interface StrategyEnv {
  readonly clock: Clock;
  /** Uniform in [0, 1); the balancer's `random` option (seedable in tests). */
  readonly random: () => number;
}

/**
 * A strategy instance for one set of candidates (one locality level of one balancer).
 * `pick` must not allocate: it runs per request (and per connection in L4 mode).
 */
export interface Picker {
  /**
   * The candidate set changed (membership, health, ejection, breaker). Called before any pick.
   * Each candidate's `slot` is its index in `candidates`.
   */
  rebuild(candidates: ReadonlyArray<LiveEndpoint>): void;
  /**
   * Returns an admissible candidate (`admit(c)` true) or undefined when none is. `key` is the
   * call's `ExecuteOptions.key` (consistent hashing).
   */
  pick(key: string | undefined, admit: (c: LiveEndpoint) => boolean): LiveEndpoint | undefined;
  /** A call to `c` started (its `inFlight` was incremented). */
  onStart?(c: LiveEndpoint): void;
  /**
   * A call to `c` ended (`inFlight` already decremented, `ewmaMs` updated). `success` undefined =
   * cancelled or refused: no verdict, though a cancellation may have raised `ewmaMs` as a lower bound.
   */
  onEnd?(c: LiveEndpoint, durationMs: number, success: boolean | undefined): void;
}

/** A load-balancing strategy: a factory of per-level pickers, like TripStrategy for breakers. */
export interface Strategy {
  /** Stable name (`round_robin`, `p2c_ewma`, ...), as the YAML config spells it. */
  readonly name: string;
  /** Peak-EWMA decay the balancer uses for this strategy's latency estimates (default 10_000). */
  readonly decayMs?: number;
  create(env: StrategyEnv): Picker;
}

/** Options of {@link LoadBalancer.execute}. */
export interface BalancerExecuteOptions extends ExecuteOptions {
  /**
   * Endpoint ids this call must not be sent to, e.g. the endpoints a failover already tried.
   * Skipped endpoints are not candidates; when nothing else is left the call rejects with
   * NoHealthyEndpointError (reason `'open'` or `'unhealthy'` as usual) instead of repeating one.
   */
  avoid?: ReadonlySet<string>;
}

/** Options of `loadBalancer()`. */
export interface LoadBalancerOptions {
  endpoints: Endpoint[];
  /** Default `p2cEwma()`. */
  strategy?: Strategy;
  healthCheck?: HealthCheckOptions;
  outlierDetection?: OutlierDetectionOptions;
  locality?: LocalityOptions;
  /** The wait queue for calls that find every candidate endpoint at `maxConnections`. */
  queue?: QueueOptions;
  /** One breaker per endpoint, named `${balancerName}/${endpoint.id}`. */
  breaker?: Omit<CircuitBreakerOptions, 'name'>;
  /**
   * A per-endpoint concurrency limiter (or any policy), created on demand the first time the endpoint
   * gets a call and closed (its `close()`, if any) when the endpoint is removed or the balancer
   * closes: `endpointLimit: () => bulkhead({ maxConcurrent: 20, maxQueue: 100 })`, or
   * `adaptiveConcurrency()`. It runs inside the balancer's slot for the endpoint and outside the
   * endpoint's breaker: its rejections (`BulkheadRejectedError`…) reach the caller and count nowhere
   * against the endpoint.
   */
  endpointLimit?: (endpoint: Endpoint) => Policy;
  /** Builds the per-endpoint breakers (default `circuitBreaker`); lets callers wrap or replace it. */
  createBreaker?: (options: CircuitBreakerOptions) => CircuitBreaker;
  /** A thrown error counts as a failure when this returns true. Default: every error except Breakwater rejections. */
  isFailure?: (error: unknown) => boolean;
  /** A returned value counts as a failure (the caller still gets it), e.g. an HTTP 503 response. */
  isResultFailure?: (result: unknown) => boolean;
  /** Default 'balancer'. */
  name?: string;
  clock?: Clock;
  /** Uniform in [0, 1); default Math.random. Inject a seeded one for reproducible tests. */
  random?: () => number;
}

/** Active health checks. */
export interface HealthCheckOptions {
  /** Default '/health'. */
  path?: string;
  /** Default 10_000. */
  intervalMs?: number;
  /** Default 5_000 (capped at intervalMs). */
  timeoutMs?: number;
  /** Consecutive passing checks that make an unhealthy endpoint healthy (rise). Default 2. */
  healthyThreshold?: number;
  /** Consecutive failing checks that make a healthy endpoint unhealthy (fall). Default 3. */
  unhealthyThreshold?: number;
  /**
   * Random extra delay added to every interval, so checks of many balancers do not align. Default
   * 10% of intervalMs.
   */
  jitterMs?: number;
  /** Custom check; default: HTTP GET url+path, 2xx = healthy. */
  check?: (endpoint: Endpoint, signal: AbortSignal) => Promise<boolean>;
}

/** Passive outlier detection (Envoy outlier detection, nginx max_fails/fail_timeout). */
export interface OutlierDetectionOptions {
  /** Consecutive failures that eject an endpoint. Default 5. */
  consecutiveFailures?: number;
  /** Ejection time = baseEjectionMs × number of ejections. Default 30_000. */
  baseEjectionMs?: number;
  /** Cap of the ejection time. Default max(300_000, baseEjectionMs). */
  maxEjectionMs?: number;
  /** At most this share of the endpoints ejected at once (at least one is always allowed). Default 50. */
  maxEjectionPercent?: number;
}

/**
 * The balancer-wide FIFO wait queue: a call that finds every candidate endpoint at `maxConnections`
 * waits here and takes the first freed slot. A full queue or an expired wait rejects with
 * `SaturatedError` (`BW_SATURATED`, retried by `retry()`'s default `retryOn`). The caller's signal
 * (and enclosing `timeout()`/`hedge()` policies) abort a wait and remove it from the queue.
 */
export interface QueueOptions {
  /** Calls allowed to wait at once, across all endpoints. Default 1000; 0 = never wait. */
  maxPending?: number;
  /** Longest wait for a slot, in ms. Default: no limit (the caller's signal and timeout policies apply). */
  timeoutMs?: number;
}

/** Region priority levels, as Envoy's priorities with overprovisioning and panic mode. */
export interface LocalityOptions {
  /** The region that gets all traffic while healthy enough. */
  local?: string;
  /** Regions in failover order (`local` goes first when also given). */
  order?: string[];
  /** Default 1.4: a level keeps all its traffic down to ~71% healthy. */
  overprovisioningFactor?: number;
  /** Default 0.5; below this healthy share of the fleet, health is ignored. 0 disables. */
  panicThreshold?: number;
}

/** A client-side load balancer. */
export interface LoadBalancer {
  readonly name: string;
  /**
   * The endpoint a call would go to now. Reserves no slot and cannot wait: throws
   * NoHealthyEndpointError, SaturatedError (every candidate at maxConnections) or, after close(), ClosedError.
   */
  pick(o?: { key?: string }): Endpoint;
  /**
   * Runs `fn` on a picked endpoint, tracking in-flight calls and latency and feeding outlier
   * detection, breakers and adaptive weights. Waits in the queue when every candidate is at
   * maxConnections (SaturatedError when the queue is full or the wait times out); ClosedError after close().
   */
  execute<T>(
    fn: (endpoint: Endpoint, ctx: AttemptContext) => T | PromiseLike<T>,
    opts?: BalancerExecuteOptions,
  ): Promise<T>;
  /** A policy that picks an endpoint per attempt and sets `ctx.endpoint` for inner functions. */
  asPolicy(): Policy;
  endpoints(): ReadonlyArray<EndpointView>;
  /** Replaces the endpoint list, keeping in-flight/EWMA/health state of unchanged ids; emits `update`. */
  update(endpoints: Endpoint[]): void;
  /** The region receiving most traffic now. */
  readonly currentRegion: string | undefined;
  on(event: 'health', fn: (e: HealthEvent) => void): () => void;
  on(event: 'ejection', fn: (e: EjectionEvent) => void): () => void;
  on(event: 'regionChange', fn: (e: RegionChangeEvent) => void): () => void;
  on(event: 'request', fn: (e: RequestEvent) => void): () => void;
  on(event: 'update', fn: (e: UpdateEvent) => void): () => void;
  on(event: 'breaker', fn: (e: BreakerEvent) => void): () => void;
  on(event: 'health' | 'ejection' | 'regionChange', fn: (e: Record<string, unknown>) => void): () => void;
  /**
   * Stops new work (NoHealthyEndpointError 'draining') and resolves when in-flight and queued calls
   * have finished, or after timeoutMs.
   */
  drain(o?: { timeoutMs?: number }): Promise<void>;
  /**
   * Stops health checks and every timer, closes per-endpoint breakers and rejects queued calls;
   * afterwards new work rejects (and pick() throws) with ClosedError (`BW_CLOSED`).
   */
  close(): Promise<void>;
}
