export { loadConfig, parseConfig, type ConfigSource, type LoadConfigOptions } from './load.js';
export { storeFromConfig, type ConfiguredStore, type StoreFromConfigOptions } from './redis-store.js';
export type { ConfigWarning } from './warnings.js';
export { buildFromConfig, type BuiltConfig, type AffinityKey } from './build.js';
export { configSchema, type BreakwaterConfig, type BreakwaterConfigInput } from './schema/config.js';
export { ALGORITHMS } from './schema/load-balancer.js';
export { LOG_LEVELS, type LogLevel } from './schema/monitoring.js';
export { BREAKER_DEFAULTS, type BreakerSettings } from './schema/circuit-breaker.js';
export {
  breakerSettingsFor,
  defaultBreakerSettings,
  toBreakerOptions,
  toBalancerOptions,
  breakerFromConfig,
  strategyFromConfig,
  endpointsFromConfig,
  type BreakerOptions,
  type BalancerOptions,
} from './options.js';
export { configJsonSchema } from './json-schema.js';
export { parseDuration } from './duration.js';
export { parsePercentage } from './percentage.js';
export type { ConfigIssue } from './issues.js';
