import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '@breakwater/core';
import { BodyTooLargeError, hasToken, readBody } from '@breakwater/replica';
import { resolveStatic } from './safe-path.js';
import { parseChaosCommand } from './command.js';
import type { ChaosCommand, DashboardState } from './types.js';

/** Options of {@link startDashboard}. */
export interface DashboardOptions {
  /** Per-run token; chaos commands must carry it. Letters, digits, `-` and `_` only (it is injected into HTML). */
  token: string;
  /** Current state to render. */
  state: () => DashboardState | Promise<DashboardState>;
  /** Carries out a validated chaos command (the demo forwards it to replica admin ports); a ConfigError becomes 404. */
  chaos: (cmd: ChaosCommand) => Promise<unknown>;
  host?: string;
  port?: number;
  /** Largest accepted request body, default 4096 bytes (chaos commands are tiny). */
  maxBodyBytes?: number;
  /** Largest accepted request line + headers, default 8192 bytes. */
  maxHeaderBytes?: number;
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
  ['dashboard.css', 'text/css; charset=utf-8'],
]);
const ALLOWED = new Set(FILES.keys());
const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'content-security-policy': "default-src 'self'; style-src 'self'; script-src 'self'; connect-src 'self'; img-src 'self' data:",
};

function send(res: ServerResponse, status: number, type: string, body: string | Buffer, extra: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store', ...SECURITY_HEADERS, ...extra });
  res.end(body);
}
const sendJson = (res: ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}): void =>
  send(res, status, 'application/json', JSON.stringify(body), extra);

function validate(o: DashboardOptions): void {
  if (typeof o.token !== 'string' || !/^[A-Za-z0-9_-]{16,128}$/.test(o.token)) {
    throw new ConfigError('dashboard.token', 'expected 16..128 characters of [A-Za-z0-9_-], got something else');
  }
  if (typeof o.state !== 'function') throw new ConfigError('dashboard.state', `expected a function, got ${typeof o.state}`);
  if (typeof o.chaos !== 'function') throw new ConfigError('dashboard.chaos', `expected a function, got ${typeof o.chaos}`);
}

/**
 * Serves the dashboard: `/` (the page, with the run token injected), `/static/*` (an allow-list
 * of files; traversal in any encoding is rejected), `/api/state` and token-guarded `POST /api/chaos`.
 */
export async function startDashboard(o: DashboardOptions): Promise<Dashboard> {
  validate(o);
  const host = o.host ?? '127.0.0.1';
  const maxBody = o.maxBodyBytes ?? 4096;
  const template = await readFile(join(STATIC_DIR, 'index.html'), 'utf8');
  const page = template.replace('__BW_TOKEN__', o.token);
  const files = new Map<string, Buffer>();
  for (const name of FILES.keys()) files.set(name, await readFile(join(STATIC_DIR, name)));

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const raw = req.url ?? '/';
    if (raw.length > 2048) return sendJson(res, 414, { error: 'URL too long' });
    const path = raw.split('?')[0] as string;
    if (req.method === 'GET' && (path === '/' || path === '/index.html')) return send(res, 200, 'text/html; charset=utf-8', page);
    if (req.method === 'GET' && path === '/api/state') return sendJson(res, 200, await o.state());
    if (path === '/api/chaos') {
      if (req.method !== 'POST') return sendJson(res, 405, { error: 'use POST' }, { allow: 'POST' });
      if (!hasToken(req, o.token)) return sendJson(res, 401, { error: 'chaos controls need the run token printed at start' });
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
      return sendJson(res, found.rejected === 'not-allowed' ? 404 : 400, { error: found.rejected === 'not-allowed' ? 'not found' : 'bad path' });
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendJson(res, 405, { error: 'use GET' }, { allow: 'GET' });
    const name = found.file.slice(STATIC_DIR.length + 1);
    return send(res, 200, FILES.get(name) as string, files.get(name) as Buffer);
  };

  const server = createServer({ maxHeaderSize: o.maxHeaderBytes ?? 8192, requestTimeout: 10_000, headersTimeout: 5_000 }, (req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: e instanceof Error ? e.message : String(e) });
      else res.destroy();
    });
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, host, () => resolve((server.address() as AddressInfo).port));
  });
  return {
    url: `http://${host}:${port}`,
    port,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
