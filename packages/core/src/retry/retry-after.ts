/**
 * Reads a server's "retry after" hint from an error: `error.retryAfterMs` (Breakwater's own
 * rejections, adapters), or a `Retry-After` header found on `error.headers`,
 * `error.response.headers` (axios), `error.meta.response.headers` (tRPC) or on a fetch `Response`
 * passed as the error / `error.response`. Headers may be a `Headers`-like object with `get()` or a
 * plain record. Returns milliseconds, or undefined when there is no usable hint.
 */
export function retryAfterMsOf(error: unknown, nowMs: () => number = Date.now): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as { retryAfterMs?: unknown; headers?: unknown; response?: { headers?: unknown }; meta?: { response?: { headers?: unknown } } };
  if (typeof e.retryAfterMs === 'number' && Number.isFinite(e.retryAfterMs) && e.retryAfterMs >= 0) return e.retryAfterMs;
  const header = headerOf(e.headers) ?? headerOf(e.response?.headers) ?? headerOf(e.meta?.response?.headers);
  return header === undefined ? undefined : parseRetryAfter(header, nowMs());
}

/**
 * Parses a `Retry-After` value (RFC 9110 §10.2.3): delay-seconds or an HTTP date. A date in the
 * past means 0. Anything else is ignored (undefined).
 */
export function parseRetryAfter(value: string, nowMs: number = Date.now()): number | undefined {
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  // Only accept something that looks like an HTTP date, not any string Date.parse understands.
  if (!/[a-z]/i.test(v)) return undefined;
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

function headerOf(headers: unknown): string | undefined {
  if (typeof headers !== 'object' || headers === null) return undefined;
  const h = headers as { get?: unknown } & Record<string, unknown>;
  if (typeof h.get === 'function') {
    const v: unknown = (h.get as (name: string) => unknown).call(headers, 'retry-after');
    if (typeof v === 'string') return v;
    if (typeof v === 'number') return String(v);
  }
  for (const k of Object.keys(h)) {
    if (k.toLowerCase() === 'retry-after') {
      const v = h[k];
      if (typeof v === 'string') return v;
      if (typeof v === 'number') return String(v);
      if (Array.isArray(v) && typeof v[0] === 'string') return v[0];
    }
  }
  return undefined;
}
