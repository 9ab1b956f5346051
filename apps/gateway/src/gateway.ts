import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Tracer } from '@opentelemetry/api';
import { Registry } from 'prom-client';
import { prometheusMetrics } from '@breakwater/prometheus';
import { instrument } from '@breakwater/otel';
import {
  circuitBreaker,
  consecutiveFailures,
  ConfigError,
  logEvents,
  type BreakerStore,
  type Endpoint,
} from '@breakwater/core';
import {
  allowedHosts,
  createLimitedServer,
  hasToken,
  originAllowed,
  redactDeep,
  redactText,
  resolveServerLimits,
  safeHandler,
  type ServerLimits,
} from '@breakwater/app-kit';
import { startL4Proxy, type L4Proxy } from './l4.js';
import { LatencyWindow } from './latency-window.js';
import { Clients, proxy, viaFor, type ClientCounters, type UpstreamFailure } from './proxy.js';
import { snapshot, type GatewaySnapshot } from './snapshot.js';
import { enableOtelTraceContext } from './otel-context.js';
import { SseHub } from './sse.js';
import { createUpstream, type UpstreamTuning } from './upstream.js';

/** Options of {@link startGateway}. */
export interface GatewayOptions {
  id: string;
  replicas: Endpoint[];
  /** Failover order, primary first. */
  regions: string[];
  /** Shared breaker store: pods attached to the same store (or the same Redis) share breaker state. */
  store: BreakerStore;
  storeKind: 'redis' | 'memory';
  /** Reports whether the store currently reaches its backend. */
  storeHealthy?: () => boolean;
  logger: Logger;
  /** Guards /admin/* (per-run token). */
  token: string;
  host?: string;
  port?: number;
  /** Also balance raw TCP connections on this port. */
  l4Port?: number;
  tracer?: Tracer;
  tuning?: Partial<UpstreamTuning>;
  /** How often the `state` SSE event is pushed. Default 500 ms. */
  stateIntervalMs?: number;
  /** Timeouts and connection cap of the HTTP listener (defaults: the app kit's `defaultServerLimits`). */
  server?: Partial<ServerLimits>;
  /**
   * Whether `/state` and `/events` need the token too. Default: only when `host` is not a
   * loopback address (they show the topology; `/health` and `/metrics` stay open for probes and scrapers).
   */
  protectState?: boolean;
}

/** True for 127.0.0.0/8, ::1 and localhost. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** A running gateway pod. */
export interface Gateway {
  readonly id: string;
  readonly url: string;
  readonly port: number;
  readonly l4Port: number | undefined;
  state(): GatewaySnapshot;
  /**
   * Graceful shutdown: stop accepting, fail /health, finish in-flight requests (up to
   * `timeoutMs`), end SSE streams, stop health checks and timers. The store is the caller's.
   */
  close(timeoutMs?: number): Promise<void>;
}

/** Starts one gateway pod: L7 routes, optional L4 listener, /metrics, /state, /events (SSE), /health. */
export async function startGateway(o: GatewayOptions): Promise<Gateway> {
  if (!o.id || !/^[A-Za-z0-9_.-]+$/.test(o.id))
    throw new ConfigError('gateway.id', `expected letters, digits, "-", "_" or ".", got ${JSON.stringify(o.id)}`);
  if (!Array.isArray(o.replicas) || o.replicas.length === 0)
    throw new ConfigError('gateway.replicas', 'expected at least one replica endpoint, got none');
  const host = o.host ?? '127.0.0.1';
  const limits = resolveServerLimits(o.server, 'gateway.server');
  const protectState = o.protectState ?? !isLoopback(host);
  const regionSet = new Set(o.regions);
  const log = o.logger;
  const upstream = createUpstream({ replicas: o.replicas, regions: o.regions, store: o.store, tuning: o.tuning ?? {} });
  const counters: ClientCounters = { total: 0, errors: 0, inFlight: 0, byRegion: {} };
  const latency = new Map<string, LatencyWindow>(o.replicas.map((r) => [r.id, new LatencyWindow()]));
  const sse = new SseHub();
  const offs: Array<() => void> = [];
  let draining = false;

  // A breaker no traffic touches, so the demo can measure pure propagation: trip it on one pod, watch the others.
  const probe = circuitBreaker({
    name: 'demo/propagation',
    trip: consecutiveFailures(1),
    halfOpenAfterMs: 600_000,
    store: o.store,
  });

  const metrics = prometheusMetrics({ registry: new Registry() });
  offs.push(metrics.observe(upstream.main));
  // One JSON log line per breaker transition, health change, ejection and region change (core
  // logEvents), and the same events on the SSE feed with the time this pod saw them.
  for (const b of [...upstream.breakers.values(), probe]) {
    offs.push(metrics.observe(b), logEvents(b, log));
    offs.push(
      b.on('stateChange', (e) => sse.publish('breaker', redactDeep({ ...e, gateway: o.id, seenAt: Date.now() }))),
    );
  }
  offs.push(logEvents(upstream.main, log));
  offs.push(upstream.main.on('request', (e) => latency.get(e.endpoint)?.add(e.durationMs)));
  for (const kind of ['health', 'ejection', 'regionChange'] as const) {
    offs.push(
      upstream.main.on(kind, (e: Record<string, unknown>) =>
        sse.publish(kind, redactDeep({ ...e, gateway: o.id, seenAt: Date.now() })),
      ),
    );
  }

  if (o.tracer !== undefined) enableOtelTraceContext();
  const clients = new Clients(
    () => (o.tracer ? instrument(upstream.clientPolicy(), { tracer: o.tracer }) : upstream.clientPolicy()),
    o.replicas,
  );
  const l4: L4Proxy | undefined =
    o.l4Port === undefined
      ? undefined
      : await startL4Proxy({ host, port: o.l4Port, balancer: upstream.l4(), maxConnections: limits.maxConnections });
  const state = (): GatewaySnapshot =>
    snapshot({
      id: o.id,
      regions: o.regions,
      upstream,
      latency,
      probe,
      draining,
      requests: counters,
      l4: l4 && { port: l4.port, active: l4.active },
      store: { kind: o.storeKind, healthy: o.storeHealthy?.() ?? true },
    });
  const stateTimer = setInterval(() => sse.publish('state', state()), o.stateIntervalMs ?? 500);

  const json = (res: ServerResponse, status: number, body: unknown): void => {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
      ...(draining ? { connection: 'close' } : {}),
    });
    res.end(text);
  };

  const admin = async (req: IncomingMessage, res: ServerResponse, path: string): Promise<void> => {
    if (req.method !== 'POST') return json(res, 405, { error: 'use POST' });
    // A browser page (e.g. after DNS rebinding) is never a legitimate admin client: refuse any foreign Origin.
    if (!originAllowed(req, allowedHosts(port)))
      return json(res, 403, { error: 'cross-origin admin requests are refused' });
    if (!hasToken(req, o.token))
      return json(res, 401, { error: 'admin endpoints need the run token (Authorization: Bearer <token>)' });
    if (path === '/admin/propagation/trip') {
      const at = Date.now();
      await probe
        .execute(() => {
          throw new Error('tripped on purpose to measure propagation');
        })
        .catch(() => undefined);
      return json(res, 200, { gateway: o.id, state: probe.state, at });
    }
    if (path === '/admin/propagation/reset') {
      probe.reset();
      return json(res, 200, { gateway: o.id, state: probe.state });
    }
    return json(res, 404, { error: 'not found' });
  };

  const onFailure = (f: UpstreamFailure): void => log.warn({ event: 'upstream-error', ...f }, 'upstream call failed');
  const internalError = (e: unknown): void =>
    log.error(
      { event: 'handler-error', error: redactText(e instanceof Error ? (e.stack ?? e.message) : String(e)) },
      'request handler failed',
    );
  const server = createLimitedServer(
    limits,
    safeHandler(async (req, res, { path, query }) => {
      const via = viaFor(path);
      if (via !== undefined && (req.method === 'GET' || req.method === 'HEAD')) {
        return proxy(req, res, {
          gatewayId: o.id,
          via,
          path,
          query,
          upstream,
          clients,
          counters,
          regions: regionSet,
          draining: () => draining,
          onFailure,
          otel: o.tracer !== undefined,
        });
      }
      if (path === '/health')
        return json(res, draining ? 503 : 200, { status: draining ? 'draining' : 'ok', id: o.id });
      if ((path === '/state' || path === '/events') && protectState && !hasToken(req, o.token)) {
        return json(res, 401, {
          error: `${path} needs the run token (Authorization: Bearer <token>) when the gateway listens beyond loopback`,
        });
      }
      if (path === '/state') return json(res, 200, state());
      if (path === '/events') return sse.subscribe(res, [{ event: 'state', data: state() }]);
      if (path === '/metrics') {
        const text = await metrics.registry.metrics();
        res.writeHead(200, { 'content-type': metrics.registry.contentType });
        res.end(text);
        return;
      }
      if (path.startsWith('/admin/')) return admin(req, res, path);
      json(res, 404, { error: 'not found' });
    }, internalError),
  );
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, host, () => resolve((server.address() as AddressInfo).port));
  });
  log.info({ event: 'listening', port, l4Port: l4?.port, store: o.storeKind }, 'gateway listening');

  let closing: Promise<void> | undefined;
  const close = (timeoutMs = 10_000): Promise<void> => {
    closing ??= (async () => {
      draining = true;
      log.info({ event: 'draining', inFlight: counters.inFlight }, 'draining');
      const serverClosed = new Promise<void>((r) => server.close(() => r()));
      server.closeIdleConnections();
      sse.close();
      clearInterval(stateTimer);
      const deadline = Date.now() + timeoutMs;
      while (counters.inFlight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      server.closeIdleConnections();
      const cut = setTimeout(() => server.closeAllConnections(), Math.max(0, deadline - Date.now()));
      await Promise.all([serverClosed, l4?.close(Math.max(0, deadline - Date.now()))]);
      clearTimeout(cut);
      for (const off of offs) off();
      clients.close();
      await upstream.close();
      probe.dispose();
      log.info({ event: 'closed', served: counters.total, errors: counters.errors }, 'gateway closed');
    })();
    return closing;
  };

  return { id: o.id, url: `http://${host}:${port}`, port, l4Port: l4?.port, state, close };
}
