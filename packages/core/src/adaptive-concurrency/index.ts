export {
  adaptiveConcurrency,
  type AdaptiveConcurrencyPolicy,
  type LimitChangeEvent,
  type LimitChangeReason,
  type AdaptiveRejectedEvent,
} from './adaptive-concurrency.js';
export type { AdaptiveConcurrencyOptions, AdaptiveAlgorithm } from './options.js';
