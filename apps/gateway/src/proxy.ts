import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isBreakwaterError, type Endpoint, type LoadBalancer, type Policy } from '@breakwater/core';
import { childTraceParent, parseTraceParent, redactText } from '@breakwater/app-kit';
import { axiosClient } from './clients/axios-client.js';
import { fetchClient } from './clients/fetch-client.js';
import { endpointResolver, type UpstreamReply } from './clients/reply.js';
import { traceStore } from './clients/trace-context.js';
import { withIncomingTrace } from './otel-context.js';
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
  private readonly endpointOf: (url: string | undefined) => Endpoint | undefined;

  constructor(
    private readonly policyFor: (lb: LoadBalancer, via: Via) => Policy,
    endpoints: ReadonlyArray<Endpoint>,
  ) {
    this.endpointOf = endpointResolver(endpoints);
  }

  get(lb: LoadBalancer): Record<Via, Call> {
    let c = this.byBalancer.get(lb);
    if (c === undefined) {
      const ax = axiosClient(lb, this.policyFor(lb, 'axios'), this.endpointOf);
      this.ejects.push(ax.eject);
      c = {
        fetch: fetchClient(lb, this.policyFor(lb, 'fetch'), this.endpointOf),
        trpc: trpcClient(lb, this.policyFor(lb, 'trpc')),
        axios: ax.call,
      };
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
  /** Successful requests per configured region (an upstream cannot add keys). */
  byRegion: Record<string, number>;
}

/** What a failed upstream call is logged with (the client gets a generic body and the request id). */
export interface UpstreamFailure {
  requestId: string;
  via: Via;
  status: number;
  code: string;
  /** The error's message, credentials in URLs masked. */
  error: string;
}

function flatHeaders(req: IncomingMessage): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(req.headers)) out[k] = Array.isArray(v) ? v[0] : v;
  return out;
}

/** The client's `x-request-id` when it is a plain token, else a fresh one. */
export function requestIdOf(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && /^[A-Za-z0-9._:-]{1,128}$/.test(given) ? given : randomUUID();
}

const GENERIC: Record<number, string> = {
  502: 'upstream request failed',
  503: 'no upstream available',
  504: 'upstream timed out',
};

/** Serves one client request through the resolved balancer and adapter. Never throws, never rejects. */
export async function proxy(
  req: IncomingMessage,
  res: ServerResponse,
  o: {
    gatewayId: string;
    via: Via;
    path: string;
    query: URLSearchParams;
    upstream: Upstream;
    clients: Clients;
    counters: ClientCounters;
    regions: ReadonlySet<string>;
    draining: () => boolean;
    onFailure: (f: UpstreamFailure) => void;
    /** A tracer is configured: continue the incoming trace in OpenTelemetry (spans) rather than by hand. */
    otel?: boolean;
  },
): Promise<void> {
  const c = o.counters;
  c.total += 1;
  c.inFlight += 1;
  const ac = new AbortController();
  // The client went away: stop working for it (its attempts are aborted, hedges cancelled).
  const onClose = (): void => {
    if (!res.writableFinished) ac.abort(new Error('client closed the connection'));
  };
  res.once('close', onClose);
  const requestId = requestIdOf(req);
  // Fresh on every path: nothing an upstream sent can end up in the headers of an error response.
  const baseHeaders = (): Record<string, string> => ({
    'x-gateway': o.gatewayId,
    'x-via': o.via,
    'x-request-id': requestId,
    ...(o.draining() ? { connection: 'close' } : {}),
  });
  const tracestate = req.headers['tracestate'];
  const trace = {
    traceparent: childTraceParent(parseTraceParent(req.headers['traceparent'])),
    ...(typeof tracestate === 'string' && tracestate.length <= 512 && /^[\x20-\x7e]*$/.test(tracestate)
      ? { tracestate }
      : {}),
  };
  try {
    const n = Number(o.query.get('n') ?? '0') || 0;
    const lb = o.upstream.resolve({ path: o.path, method: req.method ?? 'GET', headers: flatHeaders(req) });
    const call = (): Promise<UpstreamReply> => o.clients.get(lb)[o.via](n, ac.signal);
    const reply = await (o.otel === true ? withIncomingTrace(flatHeaders(req), call) : traceStore.run(trace, call));
    const status = Number.isInteger(reply.status) && reply.status >= 200 && reply.status <= 599 ? reply.status : 502;
    const headers = baseHeaders();
    const ep = reply.endpoint;
    if (status >= 500) c.errors += 1;
    else if (ep?.region !== undefined && o.regions.has(ep.region))
      c.byRegion[ep.region] = (c.byRegion[ep.region] ?? 0) + 1;
    if (ep !== undefined) {
      headers['x-replica-id'] = ep.id;
      if (ep.region !== undefined) headers['x-region'] = ep.region;
    }
    if (status !== reply.status) {
      o.onFailure({
        requestId,
        via: o.via,
        status,
        code: 'BAD_UPSTREAM_STATUS',
        error: `upstream answered status ${String(reply.status)}`,
      });
      send(res, status, JSON.stringify({ error: GENERIC[502], code: 'UPSTREAM_ERROR', requestId }), headers);
    } else send(res, status, reply.body, headers);
  } catch (e) {
    c.errors += 1;
    const bw = isBreakwaterError(e);
    const status = bw && e.code === 'BW_TIMEOUT' ? 504 : bw ? 503 : 502;
    const code = bw ? e.code : 'UPSTREAM_ERROR';
    o.onFailure({ requestId, via: o.via, status, ...describe(e) });
    send(res, status, JSON.stringify({ error: GENERIC[status], code, requestId }), baseHeaders());
  } finally {
    c.inFlight -= 1;
    res.off('close', onClose);
  }
}

function describe(e: unknown): { code: string; error: string } {
  try {
    const raw = (e as { code?: unknown } | null)?.code;
    const detail =
      e instanceof Error
        ? `${e.name}: ${e.message}${e.cause instanceof Error ? ` (cause: ${e.cause.message})` : ''}`
        : String(e);
    return { code: typeof raw === 'string' ? raw : 'UPSTREAM_ERROR', error: redactText(detail) };
  } catch {
    return { code: 'UPSTREAM_ERROR', error: 'unprintable error' };
  }
}

/** Writes the response once; a response that started or a socket that is gone is left alone. */
function send(res: ServerResponse, status: number, body: string, headers: Record<string, string>): void {
  if (res.destroyed || res.headersSent) return;
  try {
    res.writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
      ...headers,
    });
    res.end(body);
  } catch {
    res.destroy();
  }
}
