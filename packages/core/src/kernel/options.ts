import type { Clock } from '../clock.js';
import { ConfigError } from '../errors.js';

/*
 * The one options vocabulary of the core (issue 18.2): every factory (policies, breaker, trip
 * strategies, balancer, strategies) checks its options with these, at construction only, never
 * per call. Each check throws a ConfigError naming the path, the expected form and what was found:
 * `retry.maxAttempts: expected an integer ≥ 1, got 0`.
 */

export { checkKnownKeys, suggestKey } from './known-keys.js';

/**
 * Upper bound of size and count options ({@link checkCount}: probes, successes to close, window
 * sizes, minimum requests, warm-up, consecutive failures). Far above any sensible setting; it keeps
 * a typo such as `Number.MAX_SAFE_INTEGER` from allocating a huge window or making a breaker that
 * can never close.
 */
export const MAX_COUNT = 1_000_000;

/** Renders a found value for an error message: strings quoted, objects by kind. */
export function describeValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint' || v === undefined || v === null) {
    return String(v);
  }
  if (typeof v === 'function') return 'a function';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : typeof v;
}

/**
 * Throws unless `v` is a plain object: a factory's options argument (or undefined when not
 * `required`). `expected` may spell out the shape (`'an options object { policy, link }'`).
 */
export function checkOptions(path: string, v: unknown, required: boolean, expected = 'an options object'): void {
  if (v === undefined && !required) return;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new ConfigError(path, `expected ${expected}, got ${describeValue(v)}`);
  }
}

/** A plain object nested in the options (or undefined when `optional`). */
export function checkObject(path: string, v: unknown, optional: boolean): Record<string, unknown> | undefined {
  if (v === undefined && optional) return undefined;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new ConfigError(path, `expected an object, got ${describeValue(v)}`);
  }
  return v as Record<string, unknown>;
}

/** Throws unless `v` is an integer ≥ `min` (and ≤ `max`, when given). */
export function checkInt(path: string, v: unknown, min: number, max = Infinity): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
    throw new ConfigError(path, `expected an integer ≥ ${min}, got ${describeValue(v)}`);
  }
  if (v > max) throw new ConfigError(path, `expected an integer from ${min} to ${max}, got ${describeValue(v)}`);
  return v;
}

/** A size or count: an integer in [`min`, {@link MAX_COUNT}]. */
export function checkCount(path: string, v: unknown, min: number): number {
  return checkInt(path, v, min, MAX_COUNT);
}

/** Bounds of {@link checkNumber}. */
export interface NumberBounds {
  min?: number;
  /** For strictly positive values (rates, durations that must not be zero). */
  minExclusive?: number;
  max?: number;
  /** For caps that may be unbounded. */
  allowInfinity?: boolean;
  /** Integers only. */
  integer?: boolean;
}

/**
 * Throws unless `v` is a finite number (an integer, with `integer`) within the bounds. A closed
 * range reads "between min and max"; other bounds "≥ min", "> min", "≤ max".
 */
export function checkNumber(path: string, v: unknown, o: NumberBounds): number {
  const n = v as number;
  const okType =
    typeof v === 'number' &&
    !Number.isNaN(v) &&
    (Number.isFinite(v) || (o.allowInfinity === true && v === Infinity)) &&
    (o.integer !== true || Number.isInteger(v));
  const inRange =
    (o.min === undefined || n >= o.min) &&
    (o.minExclusive === undefined || n > o.minExclusive) &&
    (o.max === undefined || n <= o.max);
  if (okType && inRange) return n;
  let range: string;
  if (o.min !== undefined && o.max !== undefined && o.minExclusive === undefined)
    range = ` between ${o.min} and ${o.max}`;
  else {
    const parts: string[] = [];
    if (o.min !== undefined) parts.push(`≥ ${o.min}`);
    if (o.minExclusive !== undefined) parts.push(`> ${o.minExclusive}`);
    if (o.max !== undefined) parts.push(`≤ ${o.max}`);
    range = parts.length > 0 ? ' ' + parts.join(' and ') : '';
  }
  const kind =
    o.integer === true ? 'an integer' : o.allowInfinity === true ? 'a number (or Infinity)' : 'a finite number';
  throw new ConfigError(path, `expected ${kind}${range}, got ${describeValue(v)}`);
}

/** A share in (0, 1]. */
export function checkRatio(path: string, v: unknown): number {
  if (typeof v !== 'number' || !(v > 0 && v <= 1)) {
    throw new ConfigError(path, `expected a number in (0, 1] (e.g. 0.5 for 50%), got ${describeValue(v)}`);
  }
  return v;
}

/** Throws unless `v` is a function (or undefined). */
export function checkFunction(path: string, v: unknown): void {
  if (v !== undefined && typeof v !== 'function') {
    throw new ConfigError(path, `expected a function, got ${describeValue(v)}`);
  }
}

/** Undefined passes; otherwise a predicate such as `isFailure: (error) => boolean`, returned typed. */
export function checkPredicate(path: string, v: unknown): ((x: unknown) => boolean) | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'function')
    throw new ConfigError(path, `expected a function (error) => boolean, got ${describeValue(v)}`);
  return v as (x: unknown) => boolean;
}

/** Throws unless `v` is a boolean (or undefined). */
export function checkBoolean(path: string, v: unknown): void {
  if (v !== undefined && typeof v !== 'boolean')
    throw new ConfigError(path, `expected a boolean, got ${describeValue(v)}`);
}

/** Undefined passes; otherwise a non-empty string. */
export function checkString(path: string, v: unknown): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v.length === 0)
    throw new ConfigError(path, `expected a non-empty string, got ${describeValue(v)}`);
  return v;
}

/** Throws unless `v` looks like a {@link Clock} (or undefined). */
export function checkClock(path: string, v: unknown): void {
  if (v === undefined) return;
  const c = v as Partial<Clock> | null;
  if (
    typeof c !== 'object' ||
    c === null ||
    typeof c.now !== 'function' ||
    typeof c.setTimeout !== 'function' ||
    typeof c.clearTimeout !== 'function'
  ) {
    throw new ConfigError(
      path,
      `expected a Clock with now(), setTimeout() and clearTimeout(), got ${describeValue(v)}`,
    );
  }
}

/** Throws unless `v` is one of `allowed`. */
export function checkOneOf<T extends string>(path: string, v: unknown, allowed: readonly T[]): T {
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
    throw new ConfigError(path, `expected one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${describeValue(v)}`);
  }
  return v as T;
}

/** Undefined passes; otherwise as {@link checkNumber}. */
export function checkOptionalNumber(path: string, v: unknown, o: NumberBounds): number | undefined {
  return v === undefined ? undefined : checkNumber(path, v, o);
}
