import type { Endpoint } from '../types.js';

/**
 * The default active check: HTTP GET `url + path`, healthy on 2xx. Each check uses its own
 * connection (`agent: false`) that is destroyed when the check ends or is aborted, so a hung or
 * closed endpoint never leaves a socket behind (fetch's pool re-connects after an abort and keeps
 * idle sockets open). Credentials in the URL are sent as Basic auth and never logged.
 */
export function httpCheck(path: string): (endpoint: Endpoint, signal: AbortSignal) => Promise<boolean> {
  return async (endpoint, signal) => {
    const url = new URL(joinPath(endpoint.url, path));
    const mod = url.protocol === 'https:' ? await import('node:https') : await import('node:http');
    const headers: Record<string, string> = { accept: '*/*', connection: 'close' };
    if (url.username !== '' || url.password !== '') {
      const credentials = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
      headers.authorization = `Basic ${Buffer.from(credentials).toString('base64')}`;
      url.username = '';
      url.password = '';
    }
    return new Promise<boolean>((resolve, reject) => {
      const req = mod.request(url, { method: 'GET', headers, agent: false, signal }, (res) => {
        const status = res.statusCode ?? 0;
        res.resume(); // drain the body; the socket closes with it (Connection: close)
        res.on('end', () => resolve(status >= 200 && status < 300));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    }).catch((e: unknown) => {
      // node:http errors name host:port only; make sure nothing echoes credentials anyway.
      if (!(e instanceof Error)) throw e;
      const safe = new Error(e.message.replaceAll(endpoint.url, '<endpoint>'), { cause: e.cause });
      // Keep the system error code (ECONNREFUSED, EMFILE…): local resource errors are told apart by it.
      const code = (e as { code?: unknown }).code;
      if (typeof code === 'string') (safe as Error & { code?: string }).code = code;
      throw safe;
    });
  };
}

function joinPath(base: string, path: string): string {
  if (path === '') return base;
  const b = base.endsWith('/') ? base.slice(0, -1) : base;
  return path.startsWith('/') ? b + path : `${b}/${path}`;
}
