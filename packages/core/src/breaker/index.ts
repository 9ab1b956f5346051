export { circuitBreaker, type CircuitBreakerPolicy } from './circuit-breaker.js';
export { consecutiveFailures } from './trip/consecutive-failures.js';
export { failureRate, type FailureRateOptions } from './trip/failure-rate.js';
export { defaultBreakerIsFailure } from './rejection.js';
export { isRejection } from '../kernel/outcome.js';
export type { TripOptions, CircuitBreakerMetrics, BreakerSnapshot, BreakerEvents } from './types.js';
export { SNAPSHOT_VERSION } from './snapshot.js';
export type { SnapshotTime } from './windows/types.js';
export {
  predictive,
  PREDICTIVE_FEATURES,
  type PredictiveOptions,
  type PredictiveStrategy,
  type PredictiveInspection,
} from './trip/predictive.js';
export { sigmoid } from './trip/logistic-model.js';
