import { ConfigError } from '../errors.js';

/** Shared option checks: each throws ConfigError naming `path`, the expected form and what was found. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === undefined || value === null) return String(value);
  if (typeof value === 'function') return 'a function';
  return Array.isArray(value) ? 'an array' : typeof value;
}

/**
 * Upper bound of every size or count option of the breaker and its trip strategies (probes,
 * successes to close, window sizes, minimum requests, warm-up, consecutive failures). Far above
 * any sensible setting; it keeps a typo such as `Number.MAX_SAFE_INTEGER` from allocating a huge
 * window or making a breaker that can never close.
 */
export const MAX_COUNT = 1_000_000;

/** An integer in [`min`, `max`] (`max` defaults to {@link MAX_COUNT}). */
export function checkInteger(path: string, value: unknown, min: number, max = MAX_COUNT): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new ConfigError(path, `expected an integer ≥ ${min}, got ${describeValue(value)}`);
  }
  if (value > max) throw new ConfigError(path, `expected an integer from ${min} to ${max}, got ${describeValue(value)}`);
  return value;
}

/** A finite number ≥ `min` (durations in ms). */
export function checkNumber(path: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    throw new ConfigError(path, `expected a finite number ≥ ${min}, got ${describeValue(value)}`);
  }
  return value;
}

/** A finite number > 0 (durations that must not be zero). */
export function checkPositive(path: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new ConfigError(path, `expected a finite number > 0, got ${describeValue(value)}`);
  }
  return value;
}

/** A share in (0, 1]. */
export function checkRatio(path: string, value: unknown): number {
  if (typeof value !== 'number' || !(value > 0 && value <= 1)) {
    throw new ConfigError(path, `expected a number in (0, 1] (e.g. 0.5 for 50%), got ${describeValue(value)}`);
  }
  return value;
}

/** A plain object (or undefined when `optional`). */
export function checkObject(path: string, value: unknown, optional: boolean): Record<string, unknown> | undefined {
  if (value === undefined && optional) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError(path, `expected an object, got ${describeValue(value)}`);
  }
  return value as Record<string, unknown>;
}
