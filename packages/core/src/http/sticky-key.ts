import { ConfigError } from '../errors.js';
import { readHeader, type HeaderSource } from './headers.js';

/** What a sticky-key function sees of a request. */
export interface StickyRequest {
  method: string;
  /** The URL as the caller wrote it (may be relative). */
  url: string;
  headers: HeaderSource;
}

/**
 * Where the consistent-hashing key of a request comes from: a cookie, a header, or a function.
 * The key becomes `ExecuteOptions.key`, which `consistentHash()` hashes.
 */
export type StickyKey = { cookie: string } | { header: string } | ((req: StickyRequest) => string | undefined);

/** Reads cookie `name` from a `Cookie` header value. */
export function readCookie(cookieHeader: string | undefined, name: string): string | undefined {
  if (cookieHeader === undefined) return undefined;
  for (const part of cookieHeader.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() !== name) continue;
    let v = part.slice(eq + 1).trim();
    if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) v = v.slice(1, -1);
    try {
      return decodeURIComponent(v);
    } catch {
      return v;
    }
  }
  return undefined;
}

/** The sticky key of `req` per `spec`, or undefined (no key: the balancer's strategy picks freely). */
export function resolveStickyKey(spec: StickyKey | undefined, req: StickyRequest): string | undefined {
  if (spec === undefined) return undefined;
  if (typeof spec === 'function') {
    const k = spec(req);
    return typeof k === 'string' && k.length > 0 ? k : undefined;
  }
  if ('cookie' in spec) return readCookie(readHeader(req.headers, 'cookie'), spec.cookie);
  return readHeader(req.headers, spec.header);
}

/** Validates a `stickyKey` option; throws ConfigError naming `path`. */
export function validateStickyKey(spec: unknown, path: string): StickyKey | undefined {
  if (spec === undefined) return undefined;
  if (typeof spec === 'function') return spec as StickyKey;
  if (typeof spec === 'object' && spec !== null) {
    const r = spec as Record<string, unknown>;
    if (typeof r.cookie === 'string' && r.cookie.length > 0) return { cookie: r.cookie };
    if (typeof r.header === 'string' && r.header.length > 0) return { header: r.header };
  }
  throw new ConfigError(
    path,
    `expected { cookie: string }, { header: string } or (req) => string, got ${describe(spec)}`,
  );
}

/** Short description of a value for ConfigError messages (no contents of objects: they may be secrets). */
export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${String(v)}`;
}
