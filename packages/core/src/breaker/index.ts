export { circuitBreaker, CircuitBreakerPolicy } from './circuit-breaker.js';
export { consecutiveFailures } from './trip/consecutive-failures.js';
export { failureRate, type FailureRateOptions } from './trip/failure-rate.js';
export { defaultBreakerIsFailure, isRejection } from './rejection.js';
export type { BreakerEvents } from './state-machine.js';
export type { TripOptions, CircuitBreakerMetrics } from './types.js';
export { predictive, PREDICTIVE_FEATURES, type PredictiveOptions, type PredictiveStrategy, type PredictiveInspection } from './trip/predictive.js';
export { sigmoid } from './trip/logistic-model.js';
