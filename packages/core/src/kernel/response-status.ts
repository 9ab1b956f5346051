import { readHeader, type HeaderSource } from './headers.js';

/**
 * Extracting an HTTP status and response headers from whatever an adapter holds: a fetch
 * `Response`, an axios response or `AxiosError`, a `TRPCClientError`, or our own
 * {@link HttpStatusFailure}. Duck-typed so core needs none of those libraries.
 */

function asRecord(x: unknown): Record<string, unknown> | undefined {
  return typeof x === 'object' && x !== null ? (x as Record<string, unknown>) : undefined;
}

function validStatus(s: unknown): number | undefined {
  return typeof s === 'number' && Number.isInteger(s) && s >= 100 && s <= 599 ? s : undefined;
}

/**
 * The HTTP status carried by a response or error, if any.
 * Order: `status` (fetch Response, axios response), `response.status` (AxiosError),
 * `data.httpStatus` (TRPCClientError from a tRPC server), `meta.response.status` (raw HTTP
 * status seen by a tRPC link, e.g. a proxy's 502).
 */
export function statusOf(x: unknown): number | undefined {
  const r = asRecord(x);
  if (r === undefined) return undefined;
  return (
    validStatus(r.status) ??
    validStatus(asRecord(r.response)?.status) ??
    validStatus(asRecord(r.data)?.httpStatus) ??
    validStatus(asRecord(asRecord(r.meta)?.response)?.status)
  );
}

/** The response headers carried by a response or error, if any (same lookup order as {@link statusOf}). */
export function responseHeadersOf(x: unknown): HeaderSource {
  const r = asRecord(x);
  if (r === undefined) return undefined;
  if (validStatus(r.status) !== undefined && r.headers !== undefined) return r.headers as HeaderSource;
  const resp = asRecord(r.response) ?? asRecord(asRecord(r.meta)?.response);
  return (resp?.headers as HeaderSource) ?? undefined;
}

/** The Retry-After header value carried by a response or error, if any. */
export function retryAfterHeaderOf(x: unknown): string | undefined {
  return readHeader(responseHeadersOf(x), 'retry-after');
}
