/**
 * Reading one header from undici dispatch options, whose `headers` may be a record, a flat
 * `[name, value, name, value]` array, or an iterable of `[name, value]` pairs.
 */
export function dispatchHeader(headers: unknown, name: string): string | undefined {
  if (headers === null || headers === undefined || typeof headers !== 'object') return undefined;
  if (Array.isArray(headers)) {
    for (let i = 0; i + 1 < headers.length; i += 2) {
      if (String(headers[i]).toLowerCase() === name) return String(headers[i + 1]);
    }
    return undefined;
  }
  if (typeof (headers as Iterable<unknown>)[Symbol.iterator] === 'function') {
    for (const pair of headers as Iterable<[unknown, unknown]>) {
      if (Array.isArray(pair) && String(pair[0]).toLowerCase() === name) return String(pair[1]);
    }
    return undefined;
  }
  for (const k in headers as Record<string, unknown>) {
    if (k.toLowerCase() === name) {
      const v = (headers as Record<string, unknown>)[k];
      return Array.isArray(v) ? String(v[0]) : v === undefined || v === null ? undefined : String(v);
    }
  }
  return undefined;
}

/** True for a request body that can be sent again: none, a string or bytes (not a stream or iterable). */
export function isReplayableBody(body: unknown): boolean {
  return body === undefined || body === null || typeof body === 'string' || body instanceof Uint8Array;
}
