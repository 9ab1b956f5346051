export {
  prometheusMetrics,
  type PrometheusMetrics,
  type PrometheusMetricsOptions,
  type RegistryLike,
} from './metrics.js';
export { metricsHandler } from './handler.js';
export { statusLabel, type OutcomeLabel } from './status-label.js';
export { STATE_VALUE, DEFAULT_BUCKETS } from './collectors.js';
