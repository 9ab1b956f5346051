/** URL helpers for balanced requests (redaction: ./redact.ts). */

const ABSOLUTE = /^[a-z][a-z\d+\-.]*:\/\//i;

/** True for `http://x`, `https://x`, `//x` (anything with a scheme or an authority). */
export function isAbsoluteUrl(url: string): boolean {
  return ABSOLUTE.test(url) || url.startsWith('//');
}

/**
 * Joins an endpoint's base URL and a relative request URL, keeping the base's path prefix:
 * `joinUrl('http://h:1/api/', '/users?id=1')` → `http://h:1/api/users?id=1`.
 */
export function joinUrl(base: string, relative: string): string {
  if (relative === '') return base;
  const b = base.endsWith('/') ? base.slice(0, -1) : base;
  if (relative.startsWith('?') || relative.startsWith('#')) return b + relative;
  return relative.startsWith('/') ? b + relative : `${b}/${relative}`;
}

/**
 * Splits `user:password@` off a URL (fetch refuses URLs with credentials) and turns it into a
 * Basic `Authorization` value, as configured endpoint URLs such as `http://svc:secret@10.0.0.1`
 * intend. Returns the URL unchanged (and no header) when it has no credentials or is unparseable.
 */
export function splitCredentials(url: string): { url: string; authorization?: string } {
  if (!url.includes('@')) return { url };
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return { url };
  }
  if (u.username === '' && u.password === '') return { url };
  const pair = `${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`;
  u.username = '';
  u.password = '';
  let binary = '';
  for (const byte of new TextEncoder().encode(pair)) binary += String.fromCharCode(byte);
  return { url: u.toString(), authorization: `Basic ${btoa(binary)}` };
}
