/**
 * Retry-After parsing (RFC 9110 §10.2.3): either delta-seconds or an HTTP-date. Servers and
 * proxies send all kinds of junk here, so parsing never throws: anything unusable is ignored.
 */

const DELTA_SECONDS = /^\s*(\d+(?:\.\d+)?)\s*$/;

/**
 * Parses a Retry-After header value into a delay in milliseconds.
 *
 * @param value   the raw header value (`"120"`, `"Wed, 21 Oct 2015 07:28:00 GMT"`)
 * @param nowMs   wall-clock "now" for HTTP dates (default `Date.now()`); dates in the past give 0
 * @param maxMs   optional cap; larger values are clamped to it
 * @returns the delay (≥ 0), or `undefined` when the value is missing or malformed
 */
export function parseRetryAfter(value: unknown, nowMs: number = Date.now(), maxMs?: number): number | undefined {
  if (Array.isArray(value)) value = value[0];
  if (typeof value === 'number') value = String(value);
  if (typeof value !== 'string' || value.length === 0 || value.length > 64) return undefined;
  let ms: number;
  const delta = DELTA_SECONDS.exec(value);
  if (delta !== null) {
    ms = Number(delta[1]) * 1000;
  } else {
    // Only accept things that look like dates: Date.parse is lenient enough to turn "1" or
    // "soon 3" into a date in some engines.
    if (!/[a-z]{3}/i.test(value) || !/\d{4}/.test(value)) return undefined;
    const at = Date.parse(value);
    if (!Number.isFinite(at)) return undefined;
    ms = at - nowMs;
  }
  if (!Number.isFinite(ms)) return undefined;
  ms = Math.max(0, Math.ceil(ms));
  if (maxMs !== undefined && maxMs >= 0 && ms > maxMs) ms = maxMs;
  return ms;
}
