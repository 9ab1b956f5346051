export { systemClock, ManualClock, type Clock } from './clock.js';
export {
  BreakwaterError,
  BrokenCircuitError,
  IsolatedCircuitError,
  TimeoutError,
  BulkheadRejectedError,
  type BulkheadRejectionReason,
  RateLimitedError,
  NoHealthyEndpointError,
  SaturatedError,
  ClosedError,
  ConfigError,
  isBreakwaterError,
  BREAKWATER_ERROR_BRAND,
  type NoEndpointReason,
} from './errors.js';
export { isLocalResourceError, LOCAL_RESOURCE_ERROR_CODES } from './local-resource-error.js';
export type { ExecuteOptions, AttemptContext, Policy, PolicyFn } from './policy.js';
export type {
  BreakerState,
  TripStrategy,
  TripEvaluator,
  CallOutcome,
  CircuitBreakerOptions,
  BreakerMetrics,
  StateChangeEvent,
  CallEvent,
  CircuitBreaker,
} from './breaker/types.js';
export type { BreakerStore, BreakerLink, BreakerParticipant, SharedBreakerState, OutcomeTotals } from './store/types.js';
export type { BalancerExecuteOptions, Endpoint, EndpointView, LoadBalancer, HealthEvent, EjectionEvent, RegionChangeEvent } from './balancing/types.js';
// Each area owns its barrel (breaker/, store/, balancing/, policies/, http/).
export * from './breaker/index.js';
export * from './store/index.js';
export * from './balancing/index.js';
export * from './policies/index.js';
export * from './http/index.js';
export * from './logging/index.js';
export * from './adaptive-concurrency/index.js';
