import type { Endpoint } from '../types.js';

/**
 * The default active check: HTTP GET `url + path`, healthy on 2xx. Credentials in the URL become
 * a Basic Authorization header (fetch refuses URLs carrying them). The body is cancelled so the
 * connection goes back to the pool instead of staying half-read.
 */
export function httpCheck(path: string): (endpoint: Endpoint, signal: AbortSignal) => Promise<boolean> {
  return async (endpoint, signal) => {
    const url = new URL(joinPath(endpoint.url, path));
    const headers: Record<string, string> = { accept: '*/*' };
    if (url.username !== '' || url.password !== '') {
      const user = decodeURIComponent(url.username);
      const pass = decodeURIComponent(url.password);
      headers.authorization = `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
      url.username = '';
      url.password = '';
    }
    const res = await fetch(url, { method: 'GET', headers, signal, redirect: 'manual' });
    await res.body?.cancel().catch(() => undefined);
    return res.status >= 200 && res.status < 300;
  };
}

function joinPath(base: string, path: string): string {
  if (path === '') return base;
  const b = base.endsWith('/') ? base.slice(0, -1) : base;
  return path.startsWith('/') ? b + path : `${b}/${path}`;
}
