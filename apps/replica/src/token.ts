import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/**
 * True when the request carries `token` as `Authorization: Bearer <token>` or `X-Chaos-Token`.
 * Constant-time comparison so the token cannot be guessed byte by byte from response timing.
 */
export function hasToken(req: IncomingMessage, token: string): boolean {
  const auth = req.headers.authorization;
  const given = typeof auth === 'string' && auth.startsWith('Bearer ')
    ? auth.slice(7)
    : firstHeader(req.headers['x-chaos-token']);
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function firstHeader(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}
