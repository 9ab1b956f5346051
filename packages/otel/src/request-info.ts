import type { AttemptContext, Endpoint } from '@breakwater/core';
import type { Attributes } from '@opentelemetry/api';
import { ATTR } from './attributes.js';
import { headerValue, redactUrl } from './redact.js';

/**
 * The key under which adapters describe the HTTP request in `ExecuteOptions.context` (and so
 * `ctx.context`): `context.http = { method, url, headers? }`. `url` may be relative to the
 * picked endpoint's URL. The instrumentation reads it; it never writes to the context.
 */
export const HTTP_CONTEXT_KEY = 'http';

/** What adapters put in `ctx.context.http`. */
export interface HttpRequestInfo {
  /** HTTP method, any case. */
  method?: string;
  /** Absolute URL, or a path relative to the endpoint's URL. May hold credentials: they are redacted. */
  url?: string | URL;
  /** Request headers; only names listed in `captureHeaders` are recorded, credential headers as REDACTED. */
  headers?: Record<string, string | readonly string[] | undefined>;
}

const KNOWN_METHODS = new Set([
  'CONNECT',
  'DELETE',
  'GET',
  'HEAD',
  'OPTIONS',
  'PATCH',
  'POST',
  'PUT',
  'TRACE',
  'QUERY',
]);

/** Reads `context.http` defensively (it is user data). */
export function httpInfoOf(context: Record<string, unknown> | undefined): HttpRequestInfo | undefined {
  const v = context?.[HTTP_CONTEXT_KEY];
  return typeof v === 'object' && v !== null ? (v as HttpRequestInfo) : undefined;
}

/** `GET` for known methods, else `_OTHER` (plus the original), as the conventions ask. */
export function methodAttributes(method: unknown, into: Attributes): string | undefined {
  if (typeof method !== 'string' || method === '') return undefined;
  const upper = method.toUpperCase();
  if (KNOWN_METHODS.has(upper)) {
    into[ATTR.HTTP_METHOD] = upper;
    return upper;
  }
  into[ATTR.HTTP_METHOD] = '_OTHER';
  into[ATTR.HTTP_METHOD_ORIGINAL] = method.slice(0, 32);
  return '_OTHER';
}

function serverOf(url: string | undefined, into: Attributes): void {
  if (url === undefined) return;
  try {
    const u = new URL(url);
    into[ATTR.SERVER_ADDRESS] = u.hostname.replace(/^\[|\]$/g, '');
    into[ATTR.SERVER_PORT] = u.port !== '' ? Number(u.port) : u.protocol === 'https:' ? 443 : 80;
  } catch {
    // Not a URL: no server attributes.
  }
}

/**
 * Attributes known when an attempt starts: method, redacted `url.full`, server address/port
 * (from the request URL, else the endpoint), endpoint id/region, resend count.
 * Returns the normalized method for the span name.
 */
export function attemptAttributes(
  ctx: AttemptContext,
  endpoint: Endpoint | undefined,
  captureHeaders: readonly string[],
  into: Attributes,
): string | undefined {
  const info = httpInfoOf(ctx.context);
  const method = methodAttributes(info?.method, into);
  const rawUrl = info?.url === undefined ? undefined : String(info.url);
  const full = rawUrl !== undefined ? redactUrl(rawUrl, endpoint?.url) : undefined;
  if (full !== undefined) into[ATTR.URL_FULL] = full;
  serverOf(full ?? (endpoint?.url === undefined ? undefined : redactUrl(endpoint.url)), into);
  if (endpoint !== undefined) {
    into[ATTR.ENDPOINT_ID] = endpoint.id;
    if (endpoint.region !== undefined) into[ATTR.ENDPOINT_REGION] = endpoint.region;
  }
  into[ATTR.ATTEMPT] = ctx.attempt;
  if (ctx.attempt > 0) into[ATTR.HTTP_RESEND_COUNT] = ctx.attempt;
  const headers = info?.headers;
  if (headers !== undefined && captureHeaders.length > 0) {
    for (const name of captureHeaders) {
      const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
      const v = key === undefined ? undefined : headers[key];
      if (v !== undefined) into[`http.request.header.${name}`] = headerValue(name, v);
    }
  }
  return method;
}
