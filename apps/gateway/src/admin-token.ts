import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** `Authorization: Bearer <token>` or `X-Chaos-Token`, compared in constant time. */
export function hasAdminToken(req: IncomingMessage, token: string): boolean {
  const auth = req.headers.authorization;
  const h = req.headers['x-chaos-token'];
  const given = typeof auth === 'string' && auth.startsWith('Bearer ') ? auth.slice(7) : typeof h === 'string' ? h : '';
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}
