import type { IncomingMessage } from 'node:http';

/**
 * The `Host` values a loopback server answers to: `127.0.0.1:<port>`, `localhost:<port>`,
 * `[::1]:<port>`, plus any configured public host (`demo.example.com` or with a port). Anything
 * else — e.g. `rebind.attacker.example`, whose DNS was pointed at 127.0.0.1 — is refused, which
 * is what defeats DNS rebinding.
 */
export function allowedHosts(port: number, publicHosts: ReadonlyArray<string> = []): Set<string> {
  const out = new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]);
  for (const h of publicHosts) out.add(h.toLowerCase());
  return out;
}

/** True when the request's `Host` header is one of `allowed` (compared case-insensitively). */
export function hostAllowed(req: IncomingMessage, allowed: ReadonlySet<string>): boolean {
  const host = req.headers.host;
  return typeof host === 'string' && allowed.has(host.toLowerCase());
}

/**
 * For state-changing requests: the `Origin` header, when present, must be `http(s)://<allowed host>`,
 * and `Sec-Fetch-Site`, when present, must be `same-origin` (or `none`: typed into the address bar).
 * A request without either is not from a browser page (curl, the demo) and passes here; it still
 * needs the token.
 */
export function originAllowed(req: IncomingMessage, allowed: ReadonlySet<string>): boolean {
  const site = req.headers['sec-fetch-site'];
  if (typeof site === 'string' && site !== 'same-origin' && site !== 'none') return false;
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  if (typeof origin !== 'string') return false;
  const m = /^https?:\/\/([^/]+)$/i.exec(origin);
  return m !== null && allowed.has((m[1] as string).toLowerCase());
}
