import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '@breakwater/core';
import {
  allowedHosts,
  BodyTooLargeError,
  createLimitedServer,
  defaultServerLimits,
  hasToken,
  hostAllowed,
  originAllowed,
  readBody,
  resolveServerLimits,
  safeHandler,
  type ServerLimits,
} from '@breakwater/app-kit';
import { resolveStatic } from './safe-path.js';
import { parseChaosCommand } from './command.js';
import type { ChaosCommand, DashboardState } from './types.js';

/** Options of {@link startDashboard}. */
export interface DashboardOptions {
  /**
   * Per-run token; chaos commands must carry it (header, or the HttpOnly cookie the page sets on a
   * same-origin visit). Letters, digits, `-` and `_` only (it goes into a cookie).
   */
  token: string;
  /** Current state to render. */
  state: () => DashboardState | Promise<DashboardState>;
  /** Carries out a validated chaos command (the demo forwards it to replica admin ports); a ConfigError becomes 404. */
  chaos: (cmd: ChaosCommand) => Promise<unknown>;
  host?: string;
  port?: number;
  /** Largest accepted request body, default 4096 bytes (chaos commands are tiny). */
  maxBodyBytes?: number;
  /** Largest accepted request line + headers, default 8192 bytes (same as `server.maxHeaderBytes`). */
  maxHeaderBytes?: number;
  /**
   * Host names (optionally with `:port`) the dashboard answers to besides `127.0.0.1:<port>`,
   * `localhost:<port>` and `[::1]:<port>`, e.g. when published behind a proxy. Every other `Host`
   * gets 421: a DNS-rebinding page cannot load it or post to it.
   */
  publicHosts?: string[];
  /**
   * Timeouts and connection cap (defaults: the app kit's, with headers over 8 KiB refused and a
   * 5 s headers timeout).
   */
  server?: Partial<ServerLimits>;
  /** Hears about requests that failed inside the dashboard (answered with a generic 500), e.g. to log them. */
  onError?: (error: unknown) => void;
}

/** A running dashboard server. */
export interface Dashboard {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

const STATIC_DIR = join(dirname(fileURLToPath(import.meta.url)), 'static');
const FILES = new Map<string, string>([
  ['dashboard.js', 'text/javascript; charset=utf-8'],
  ['chart.js', 'text/javascript; charset=utf-8'],
  ['timeline.js', 'text/javascript; charset=utf-8'],
  ['dashboard.css', 'text/css; charset=utf-8'],
]);
const ALLOWED = new Set(FILES.keys());
const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'content-security-policy':
    "default-src 'self'; style-src 'self'; script-src 'self'; connect-src 'self'; img-src 'self' data:",
};

function send(
  res: ServerResponse,
  status: number,
  type: string,
  body: string | Buffer,
  extra: Record<string, string> = {},
): void {
  res.writeHead(status, {
    'content-type': type,
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    ...SECURITY_HEADERS,
    ...extra,
  });
  res.end(body);
}
const sendJson = (res: ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}): void =>
  send(res, status, 'application/json', JSON.stringify(body), extra);

const DASHBOARD_LIMITS: ServerLimits = {
  ...defaultServerLimits,
  headersTimeoutMs: 5_000,
  requestTimeoutMs: 10_000,
  maxHeaderBytes: 8192,
};

function validate(o: DashboardOptions): void {
  if (typeof o.token !== 'string' || !/^[A-Za-z0-9_-]{16,128}$/.test(o.token)) {
    throw new ConfigError('dashboard.token', 'expected 16..128 characters of [A-Za-z0-9_-], got something else');
  }
  if (typeof o.state !== 'function')
    throw new ConfigError('dashboard.state', `expected a function, got ${typeof o.state}`);
  if (typeof o.chaos !== 'function')
    throw new ConfigError('dashboard.chaos', `expected a function, got ${typeof o.chaos}`);
  if (
    o.publicHosts !== undefined &&
    !(
      Array.isArray(o.publicHosts) &&
      o.publicHosts.every(
        (h) => typeof h === 'string' && /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9a-fA-F:]+\](:\d{1,5})?$/.test(h),
      )
    )
  ) {
    throw new ConfigError(
      'dashboard.publicHosts',
      'expected host names like "demo.example.com" or "demo.example.com:8443"',
    );
  }
}

/**
 * Serves the dashboard: `/` (the page; sets the token as an HttpOnly SameSite=Strict cookie),
 * `/static/*` (an allow-list of files; traversal in any encoding is rejected), `/api/state` and
 * token-guarded `POST /api/chaos`. Only loopback `Host` names (and `publicHosts`) are answered.
 */
export async function startDashboard(o: DashboardOptions): Promise<Dashboard> {
  validate(o);
  const host = o.host ?? '127.0.0.1';
  const maxBody = o.maxBodyBytes ?? 4096;
  const limits = resolveServerLimits(
    { ...(o.maxHeaderBytes !== undefined ? { maxHeaderBytes: o.maxHeaderBytes } : {}), ...o.server },
    'dashboard.server',
    DASHBOARD_LIMITS,
  );
  const page = await readFile(join(STATIC_DIR, 'index.html'), 'utf8');
  let allowed = new Set<string>();
  let cookie = '';
  let setCookie = '';
  const files = new Map<string, Buffer>();
  for (const name of FILES.keys()) files.set(name, await readFile(join(STATIC_DIR, name)));

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const raw = req.url ?? '/';
    if (raw.length > 2048) return sendJson(res, 414, { error: 'URL too long' });
    // DNS rebinding: a page of rebind.attacker.example whose name now points at 127.0.0.1 still sends its own Host.
    if (!hostAllowed(req, allowed))
      return sendJson(res, 421, { error: 'unexpected Host header; open the dashboard at the URL it printed' });
    const path = raw.split('?')[0] as string;
    if (req.method === 'GET' && (path === '/' || path === '/index.html'))
      return send(res, 200, 'text/html; charset=utf-8', page, { 'set-cookie': setCookie });
    if (req.method === 'GET' && path === '/api/state') return sendJson(res, 200, await o.state());
    // Browsers ask for it on every visit; a 404 would only be noise in the console.
    if (path === '/favicon.ico') {
      res.writeHead(204, { 'cache-control': 'max-age=86400' });
      res.end();
      return;
    }
    if (path === '/api/chaos') {
      if (req.method !== 'POST') return sendJson(res, 405, { error: 'use POST' }, { allow: 'POST' });
      if (!originAllowed(req, allowed)) return sendJson(res, 403, { error: 'cross-origin chaos commands are refused' });
      if (!hasToken(req, o.token, { cookie }))
        return sendJson(res, 401, { error: 'chaos controls need the run token printed at start' });
      let body: string;
      try {
        body = await readBody(req, maxBody);
      } catch (e) {
        if (e instanceof BodyTooLargeError) return sendJson(res, 413, { error: e.message }, { connection: 'close' });
        throw e;
      }
      let cmd: ChaosCommand;
      try {
        cmd = parseChaosCommand(body);
      } catch (e) {
        return sendJson(res, 400, { error: e instanceof Error ? e.message : String(e) });
      }
      try {
        return sendJson(res, 200, { ok: true, result: await o.chaos(cmd) });
      } catch (e) {
        // The handler names what it could not find or do as a ConfigError (e.g. an unknown replica).
        if (e instanceof ConfigError) return sendJson(res, 404, { error: e.message });
        throw e;
      }
    }
    const found = resolveStatic(STATIC_DIR, path, ALLOWED);
    if ('rejected' in found) {
      return sendJson(res, found.rejected === 'not-allowed' ? 404 : 400, {
        error: found.rejected === 'not-allowed' ? 'not found' : 'bad path',
      });
    }
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return sendJson(res, 405, { error: 'use GET' }, { allow: 'GET' });
    const name = found.file.slice(STATIC_DIR.length + 1);
    return send(res, 200, FILES.get(name) as string, files.get(name) as Buffer);
  };

  const server = createLimitedServer(
    limits,
    safeHandler(
      (req, res) => handle(req, res),
      (e) => o.onError?.(e),
    ),
  );
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, host, () => resolve((server.address() as AddressInfo).port));
  });
  allowed = allowedHosts(port, o.publicHosts);
  // Per port: two dashboards on one machine must not overwrite each other's cookie.
  cookie = `bw_token_${port}`;
  setCookie = `${cookie}=${o.token}; HttpOnly; SameSite=Strict; Path=/`;
  return {
    url: `http://${host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
