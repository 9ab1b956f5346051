import type { Clock } from '../clock.js';
import { ConfigError } from '../errors.js';

/** Renders a found value for an error message: strings quoted, objects by kind. */
export function describeValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint' || v === undefined || v === null) return String(v);
  if (typeof v === 'function') return 'a function';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : typeof v;
}

/** Throws unless `v` is a plain object (or undefined when optional). */
export function checkOptions(path: string, v: unknown, required: boolean): void {
  if (v === undefined && !required) return;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new ConfigError(path, `expected an options object, got ${describeValue(v)}`);
  }
}

/** Throws unless `v` is an integer ≥ `min`. */
export function checkInt(path: string, v: unknown, min: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
    throw new ConfigError(path, `expected an integer ≥ ${min}, got ${describeValue(v)}`);
  }
  return v;
}

/**
 * Throws unless `v` is a finite number within the bounds. `minExclusive` is for strictly positive
 * rates; `allowInfinity` for caps that may be unbounded.
 */
export function checkNumber(path: string, v: unknown, o: { min?: number; minExclusive?: number; max?: number; allowInfinity?: boolean }): number {
  const okType = typeof v === 'number' && !Number.isNaN(v) && (Number.isFinite(v) || (o.allowInfinity === true && v === Infinity));
  const n = v as number;
  if (!okType || (o.min !== undefined && n < o.min) || (o.minExclusive !== undefined && n <= o.minExclusive) || (o.max !== undefined && n > o.max)) {
    const parts: string[] = [];
    if (o.min !== undefined) parts.push(`≥ ${o.min}`);
    if (o.minExclusive !== undefined) parts.push(`> ${o.minExclusive}`);
    if (o.max !== undefined) parts.push(`≤ ${o.max}`);
    const kind = o.allowInfinity === true ? 'a number (or Infinity)' : 'a finite number';
    throw new ConfigError(path, `expected ${kind}${parts.length > 0 ? ' ' + parts.join(' and ') : ''}, got ${describeValue(v)}`);
  }
  return n;
}

/** Throws unless `v` is a function (or undefined). */
export function checkFunction(path: string, v: unknown): void {
  if (v !== undefined && typeof v !== 'function') {
    throw new ConfigError(path, `expected a function, got ${describeValue(v)}`);
  }
}

/** Throws unless `v` looks like a {@link Clock} (or undefined). */
export function checkClock(path: string, v: unknown): void {
  if (v === undefined) return;
  const c = v as Partial<Clock> | null;
  if (typeof c !== 'object' || c === null || typeof c.now !== 'function' || typeof c.setTimeout !== 'function' || typeof c.clearTimeout !== 'function') {
    throw new ConfigError(path, `expected a Clock with now(), setTimeout() and clearTimeout(), got ${describeValue(v)}`);
  }
}

/** Throws unless `v` is one of `allowed`. */
export function checkOneOf<T extends string>(path: string, v: unknown, allowed: readonly T[]): T {
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
    throw new ConfigError(path, `expected one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${describeValue(v)}`);
  }
  return v as T;
}
