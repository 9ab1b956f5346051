// The public surface of @breakwater/core: the contract of docs/API.md (its first part and its
// "Extensions" section) and the types of those signatures, nothing else. Adapter helpers, store and
// trip-strategy protocols and other internals are exported from './internal.ts'
// (`@breakwater/core/internal`, no semver guarantee) for Breakwater's own packages. Count them with
// `node tools/release/count-exports.mjs` after a build; docs/ARCHITECTURE.md lists the surface.

// Clock
export { systemClock, ManualClock, type Clock } from './clock.js';

// Errors
export {
  BreakwaterError,
  BrokenCircuitError,
  IsolatedCircuitError,
  TimeoutError,
  BulkheadRejectedError,
  type BulkheadRejectionReason,
  RateLimitedError,
  NoHealthyEndpointError,
  type NoEndpointReason,
  SaturatedError,
  ClosedError,
  ConfigError,
  isBreakwaterError,
} from './errors.js';
export { isLocalResourceError, LOCAL_RESOURCE_ERROR_CODES } from './local-resource-error.js';

// Policies and composition
export type { ExecuteOptions, AttemptContext, Policy, PolicyFn } from './policy.js';
export {
  pipeline,
  retry,
  isRetryableError,
  type RetryOptions,
  type RetryPolicy,
  type RetryEvent,
  type GiveUpEvent,
  type GiveUpReason,
  type RetryEvents,
  exponentialBackoff,
  constantBackoff,
  type Backoff,
  type Jitter,
  type ExponentialBackoffOptions,
  retryBudget,
  type RetryBudget,
  type RetryBudgetOptions,
  timeout,
  type TimeoutOptions,
  type TimeoutPolicy,
  type TimeoutEvent,
  type TimeoutEvents,
  bulkhead,
  type BulkheadOptions,
  type BulkheadPolicy,
  type BulkheadRejectedEvent,
  type BulkheadEvents,
  rateLimit,
  type RateLimitOptions,
  type RateLimitPolicy,
  type RateLimitRejectedEvent,
  type RateLimitEvents,
  fallback,
  type FallbackOptions,
  type FallbackPolicy,
  type FallbackEvent,
  type FallbackEvents,
  cacheFallback,
  type CacheFallbackOptions,
  type CacheFallbackPolicy,
  hedge,
  type HedgeOptions,
  type HedgePolicy,
  type HedgeEvent,
  type HedgeWinnerEvent,
  type HedgeEvents,
} from './policies/index.js';
export {
  adaptiveConcurrency,
  type AdaptiveConcurrencyPolicy,
  type AdaptiveConcurrencyOptions,
  type AdaptiveAlgorithm,
  type LimitChangeEvent,
  type LimitChangeReason,
  type AdaptiveRejectedEvent,
} from './adaptive-concurrency/index.js';

// Circuit breaker (the factory's result is typed by the CircuitBreakerPolicy interface, a CircuitBreaker
// with inspection methods; the class is internal)
export type {
  BreakerState,
  TripStrategy,
  CircuitBreakerOptions,
  BreakerMetrics,
  CircuitBreakerMetrics,
  StateChangeEvent,
  CallEvent,
  CircuitBreaker,
  CircuitBreakerPolicy,
  BreakerSnapshot,
} from './breaker/types.js';
export {
  circuitBreaker,
  consecutiveFailures,
  failureRate,
  type FailureRateOptions,
  predictive,
  type PredictiveOptions,
  type PredictiveStrategy,
  type PredictiveInspection,
} from './breaker/index.js';

// Shared breaker state
export type { BreakerStore } from './store/types.js';
export { memoryBreakerStore, type MemoryBreakerStore } from './store/index.js';

// Load balancing (Strategy, Picker, StrategyEnv and LiveEndpoint: the documented custom-strategy interface)
export {
  loadBalancer,
  type BalancerEvents,
  router,
  type Route,
  type RouteRequest,
  type Router,
  roundRobin,
  weightedRoundRobin,
  leastConnections,
  weightedLeastConnections,
  p2cEwma,
  type P2cEwmaOptions,
  consistentHash,
  type ConsistentHashOptions,
  adaptive,
  type AdaptiveOptions,
  closestRegion,
  type GeoPoint,
  type Endpoint,
  type EndpointView,
  type LoadBalancer,
  type LoadBalancerOptions,
  type HealthEvent,
  type EjectionEvent,
  type RegionChangeEvent,
  type RequestEvent,
  type UpdateEvent,
  type BreakerEvent,
  type Strategy,
  type Picker,
  type StrategyEnv,
  type LiveEndpoint,
  type HealthCheckOptions,
  type OutlierDetectionOptions,
  type LocalityOptions,
  type QueueOptions,
} from './balancing/index.js';

export type { BalancerExecuteOptions } from './balancing/types.js';

// Logging
export {
  logEvents,
  type EventLogger,
  type BreakerStateChangeLog,
  type BreakerLike,
  type BalancerLike,
} from './logging/index.js';
