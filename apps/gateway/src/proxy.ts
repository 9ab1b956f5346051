import type { IncomingMessage, ServerResponse } from 'node:http';
import { isBreakwaterError, type LoadBalancer, type Policy } from '@breakwater/core';
import { axiosClient } from './clients/axios-client.js';
import { fetchClient } from './clients/fetch-client.js';
import type { UpstreamReply } from './clients/reply.js';
import { trpcClient } from './clients/trpc-client.js';
import type { Upstream } from './upstream.js';

/** Which adapter serves a client path: `/api/*` fetch, `/rpc/*` tRPC, `/axios/*` axios. */
export type Via = 'fetch' | 'trpc' | 'axios';

/** Maps a client path to the adapter that serves it, or undefined (404). */
export function viaFor(path: string): Via | undefined {
  if (path === '/api/work') return 'fetch';
  if (path === '/rpc/work') return 'trpc';
  if (path === '/axios/work') return 'axios';
  return undefined;
}

type Call = (n: number, signal: AbortSignal) => Promise<UpstreamReply>;

/** Per balancer, one client per adapter, built on first use and reused. */
export class Clients {
  private readonly byBalancer = new Map<LoadBalancer, Record<Via, Call>>();
  private readonly ejects: Array<() => void> = [];

  constructor(private readonly policyFor: (lb: LoadBalancer, via: Via) => Policy) {}

  get(lb: LoadBalancer): Record<Via, Call> {
    let c = this.byBalancer.get(lb);
    if (c === undefined) {
      const ax = axiosClient(lb, this.policyFor(lb, 'axios'));
      this.ejects.push(ax.eject);
      c = { fetch: fetchClient(lb, this.policyFor(lb, 'fetch')), trpc: trpcClient(lb, this.policyFor(lb, 'trpc')), axios: ax.call };
      this.byBalancer.set(lb, c);
    }
    return c;
  }

  close(): void {
    for (const e of this.ejects) e();
  }
}

/** Counters of client-visible outcomes. */
export interface ClientCounters {
  total: number;
  errors: number;
  inFlight: number;
  byRegion: Record<string, number>;
}

function flatHeaders(req: IncomingMessage): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(req.headers)) out[k] = Array.isArray(v) ? v[0] : v;
  return out;
}

/** Serves one client request through the resolved balancer and adapter. Never throws. */
export async function proxy(req: IncomingMessage, res: ServerResponse, o: { gatewayId: string; via: Via; path: string; upstream: Upstream; clients: Clients; counters: ClientCounters; draining: () => boolean }): Promise<void> {
  const c = o.counters;
  c.total += 1;
  c.inFlight += 1;
  const ac = new AbortController();
  // The client went away: stop working for it (its attempts are aborted, hedges cancelled).
  const onClose = (): void => { if (!res.writableFinished) ac.abort(new Error('client closed the connection')); };
  res.once('close', onClose);
  const headers: Record<string, string> = { 'x-gateway': o.gatewayId, 'x-via': o.via };
  if (o.draining()) headers['connection'] = 'close';
  try {
    const n = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('n') ?? '0') || 0;
    const lb = o.upstream.resolve({ path: o.path, method: req.method ?? 'GET', headers: flatHeaders(req) });
    const reply = await o.clients.get(lb)[o.via](n, ac.signal);
    if (reply.status >= 500) c.errors += 1;
    else if (reply.region !== undefined) c.byRegion[reply.region] = (c.byRegion[reply.region] ?? 0) + 1;
    if (reply.replica !== undefined) headers['x-replica-id'] = reply.replica;
    if (reply.region !== undefined) headers['x-region'] = reply.region;
    send(res, reply.status, reply.body, headers);
  } catch (e) {
    c.errors += 1;
    const code = isBreakwaterError(e) ? e.code : ((e as { code?: unknown }).code ?? 'UPSTREAM_ERROR');
    const status = isBreakwaterError(e) && e.code === 'BW_TIMEOUT' ? 504 : isBreakwaterError(e) ? 503 : 502;
    send(res, status, JSON.stringify({ error: e instanceof Error ? e.message : String(e), code: String(code) }), headers);
  } finally {
    c.inFlight -= 1;
    res.off('close', onClose);
  }
}

function send(res: ServerResponse, status: number, body: string, headers: Record<string, string>): void {
  if (res.destroyed || res.headersSent) return;
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}
