import { readHeader, type HeaderSource } from './headers.js';

/** Methods that are idempotent by definition (RFC 9110 §9.2.2) and therefore safe to retry. */
export const IDEMPOTENT_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']);

/**
 * Whether a request may be sent more than once. GET/HEAD/OPTIONS/PUT/DELETE always; other
 * methods (POST, PATCH, ...) only with an `Idempotency-Key` header (the IETF httpapi draft the
 * big payment APIs follow) or when the caller opted in with `retryNonIdempotent`.
 */
export function isRetryableRequest(
  method: string | undefined,
  headers: HeaderSource,
  retryNonIdempotent = false,
): boolean {
  const m = (method ?? 'GET').toUpperCase();
  if (IDEMPOTENT_METHODS.has(m)) return true;
  if (retryNonIdempotent) return true;
  const key = readHeader(headers, 'idempotency-key');
  return key !== undefined && key.trim().length > 0;
}
