import type { IncomingMessage, ServerResponse } from 'node:http';
import { ConfigError } from '@breakwater/core';
import {
  allowedHosts,
  BodyTooLargeError,
  hasToken,
  originAllowed,
  parseJson,
  readBody,
  type RequestTarget,
} from '@breakwater/app-kit';
import { noChaos, type ChaosSettings } from './chaos.js';

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** The admin listener's handler: `/health`, `GET /stats`, token-guarded `/chaos` and `/chaos/reset`. */
export function adminHandler(o: {
  token: string;
  stats: () => unknown;
  chaos: () => ChaosSettings;
  setChaos: (update: unknown) => Promise<ChaosSettings>;
  /** The admin listener's port, for the Origin check (a function: known once listening). */
  port: () => number;
}): (req: IncomingMessage, res: ServerResponse, target: RequestTarget) => Promise<void> {
  return async (req, res, { path }) => {
    if (path === '/health' || (path === '/stats' && req.method === 'GET')) {
      json(res, 200, path === '/health' ? { status: 'ok' } : o.stats());
      return;
    }
    if (path !== '/chaos' && path !== '/chaos/reset') {
      json(res, 404, { error: 'not found' });
      return;
    }
    // A browser page (e.g. after DNS rebinding) is never a legitimate chaos client: refuse any foreign Origin.
    if (!originAllowed(req, allowedHosts(o.port()))) {
      json(res, 403, { error: 'cross-origin chaos requests are refused' });
      return;
    }
    if (!hasToken(req, o.token)) {
      json(res, 401, { error: 'chaos controls need the run token (Authorization: Bearer <token>)' });
      return;
    }
    if (req.method === 'GET' && path === '/chaos') {
      json(res, 200, o.chaos());
      return;
    }
    if (req.method !== 'POST') {
      json(res, 405, { error: 'use GET or POST' }, { allow: 'GET, POST' });
      return;
    }
    let body: unknown;
    try {
      body = path === '/chaos/reset' ? noChaos() : parseJson(await readBody(req));
    } catch (e) {
      if (e instanceof BodyTooLargeError) {
        json(res, 413, { error: e.message }, { connection: 'close' });
        return;
      }
      throw e;
    }
    if (body === undefined) {
      json(res, 400, { error: 'expected a JSON body' });
      return;
    }
    try {
      json(res, 200, await o.setChaos(body));
    } catch (e) {
      if (e instanceof ConfigError) json(res, 400, { error: e.message, path: e.path });
      else throw e;
    }
  };
}
