import { ConfigError } from '../errors.js';

/** Renders a bad option value for an error message. */
export function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'function') return 'a function';
  if (Array.isArray(v)) return 'an array';
  if (v === null) return 'null';
  if (typeof v === 'object') return 'an object';
  return String(v);
}

/**
 * The error for a routing key that is not a string. Keys are hashed as strings only: numbers,
 * objects, symbols, bigints, null and arrays have no single obvious string form (`String({})` is the
 * same for every object), so they are refused rather than silently sending every call to one endpoint.
 */
export function badKey(key: unknown): ConfigError {
  const got =
    typeof key === 'symbol' || typeof key === 'bigint' || typeof key === 'number' || typeof key === 'boolean' ? `a ${typeof key} (${String(key)})` : show(key);
  return new ConfigError(
    'key',
    `expected a string routing key (ExecuteOptions.key / pick({ key }), hashed by consistentHash()), got ${got}; pass String(id) or a stable serialisation`,
  );
}

/** Undefined passes; otherwise a finite number within [min, max] (integer when asked). */
export function optNumber(path: string, v: unknown, min: number, max = Infinity, integer = false): number | undefined {
  if (v === undefined) return undefined;
  const ok = typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max && (!integer || Number.isInteger(v));
  if (!ok) {
    const range = max === Infinity ? `≥ ${min}` : `between ${min} and ${max}`;
    throw new ConfigError(path, `expected ${integer ? 'an integer' : 'a number'} ${range}, got ${show(v)}`);
  }
  return v;
}

/** Undefined passes; otherwise a function. */
export function optFunction(path: string, v: unknown): void {
  if (v !== undefined && typeof v !== 'function') throw new ConfigError(path, `expected a function, got ${show(v)}`);
}

/** Undefined passes; otherwise a non-empty string. */
export function optString(path: string, v: unknown): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v.length === 0) throw new ConfigError(path, `expected a non-empty string, got ${show(v)}`);
  return v;
}

/** Undefined passes; otherwise a plain object. */
export function optObject(path: string, v: unknown): void {
  if (v !== undefined && (typeof v !== 'object' || v === null || Array.isArray(v))) {
    throw new ConfigError(path, `expected an object, got ${show(v)}`);
  }
}
