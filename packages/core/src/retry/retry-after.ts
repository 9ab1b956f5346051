import { parseRetryAfter } from '../kernel/retry-after.js';
import { readHeader, type HeaderSource } from '../kernel/headers.js';
import { retryAfterHeaderOf } from '../kernel/response-status.js';

/**
 * Reads a "retry after" hint from an error: `error.retryAfterMs` (Breakwater's own rejections,
 * adapters), else a `Retry-After` header (seconds or HTTP date) on whatever response the error
 * carries — a fetch `Response`, an axios error's `response`, a tRPC error's `meta.response`.
 * Returns milliseconds, or undefined when there is no usable hint.
 */
export function retryAfterMsOf(error: unknown, nowMs: () => number = Date.now): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const hinted = (error as { retryAfterMs?: unknown }).retryAfterMs;
  if (typeof hinted === 'number' && Number.isFinite(hinted) && hinted >= 0) return hinted;
  // Also `error.headers` without a status (custom errors that copy the response headers).
  const header = retryAfterHeaderOf(error) ?? readHeader((error as { headers?: HeaderSource }).headers, 'retry-after');
  return header === undefined ? undefined : parseRetryAfter(header, nowMs());
}
