import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/**
 * True when the request carries `token` as `Authorization: Bearer <token>`, `X-Chaos-Token`,
 * or — when `o.cookie` names one — that cookie (the dashboard's HttpOnly, SameSite=Strict
 * cookie). Constant-time comparison so the token cannot be guessed byte by byte from timing.
 */
export function hasToken(req: IncomingMessage, token: string, o: { cookie?: string } = {}): boolean {
  const auth = req.headers.authorization;
  if (typeof auth === 'string' && auth.startsWith('Bearer ') && same(auth.slice(7), token)) return true;
  const header = firstHeader(req.headers['x-chaos-token']);
  if (header !== undefined && same(header, token)) return true;
  if (o.cookie !== undefined) {
    const fromCookie = readCookie(req, o.cookie);
    if (fromCookie !== undefined && same(fromCookie, token)) return true;
  }
  return false;
}

/** The value of cookie `name`, or undefined. Malformed cookie headers are ignored, never thrown on. */
export function readCookie(req: IncomingMessage, name: string): string | undefined {
  const header = req.headers.cookie;
  if (typeof header !== 'string') return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq !== -1 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

function same(given: string, token: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function firstHeader(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}
