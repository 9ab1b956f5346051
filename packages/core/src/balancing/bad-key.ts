import { ConfigError } from '../errors.js';
import { describeValue } from '../kernel/options.js';

/**
 * The error for a routing key that is not a string. Keys are hashed as strings only: numbers,
 * objects, symbols, bigints, null and arrays have no single obvious string form (`String({})` is the
 * same for every object), so they are refused rather than silently sending every call to one endpoint.
 */
export function badKey(key: unknown): ConfigError {
  const got =
    typeof key === 'symbol' || typeof key === 'bigint' || typeof key === 'number' || typeof key === 'boolean'
      ? `a ${typeof key} (${String(key)})`
      : describeValue(key);
  return new ConfigError(
    'key',
    'expected a string routing key (ExecuteOptions.key / pick({ key }), hashed by consistentHash()), ' +
      `got ${got}; pass String(id) or a stable serialisation`,
  );
}
