import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import { ConfigError } from '@breakwater/core';
import {
  createLimitedServer,
  resolveServerLimits,
  safeHandler,
  sendError,
  type ServerLimits,
} from '@breakwater/app-kit';
import { mergeChaos, noChaos, type ChaosSettings } from './chaos.js';
import { adminHandler } from './admin.js';
import { replicaRouter, type ReplicaContext } from './router.js';
import { batchTooLarge } from './batch.js';

/** Options of {@link startReplica}. */
export interface ReplicaOptions {
  id: string;
  region: string;
  /** Token required by every chaos control. */
  token: string;
  /** Bind address of both listeners, default 127.0.0.1. */
  host?: string;
  /** Service port (tRPC, REST, /health); 0 = any free port. */
  port?: number;
  /** Admin port (chaos controls, stats); stays up while the service port is hard down. */
  adminPort?: number;
  /** Source of randomness for the injected error rate (tests pass a fixed one). */
  random?: () => number;
  /** Most procedures one tRPC batch request may carry (more → 413). Default 16. */
  maxBatchSize?: number;
  /** Timeouts and connection cap of both listeners (defaults: `defaultServerLimits` of the app kit). */
  server?: Partial<ServerLimits>;
  /** Hears about requests that failed inside the replica (a handler bug), e.g. to log them. */
  onError?: (error: unknown) => void;
}

/** Counters a replica keeps about its own traffic (health checks excluded). */
export interface ReplicaStats {
  id: string;
  region: string;
  requests: number;
  inFlight: number;
  peakInFlight: number;
  injectedErrors: number;
  healthChecks: number;
  /** When the service listener last (re)opened. */
  upSince: number;
  requestsSinceUp: number;
  /** Highest concurrency since the listener last reopened: a thundering herd shows up here. */
  peakInFlightSinceUp: number;
  chaos: ChaosSettings;
}

/** A running replica. */
export interface Replica {
  readonly id: string;
  readonly region: string;
  readonly url: string;
  readonly adminUrl: string;
  readonly port: number;
  readonly adminPort: number;
  chaos(): ChaosSettings;
  /** Validates and applies a partial update; throws ConfigError. */
  setChaos(update: unknown): Promise<ChaosSettings>;
  stats(): ReplicaStats;
  /** Stops both listeners, destroys open sockets and releases hung requests. */
  close(): Promise<void>;
}

function validate(o: ReplicaOptions): void {
  for (const key of ['id', 'region'] as const) {
    // Sent as response headers: anything else would make every response throw.
    if (typeof o[key] !== 'string' || !/^[A-Za-z0-9_.-]{1,64}$/.test(o[key])) {
      throw new ConfigError(
        `replica.${key}`,
        `expected 1..64 letters, digits, "-", "_" or ".", got ${JSON.stringify(o[key])}`,
      );
    }
  }
  if (typeof o.token !== 'string' || o.token === '')
    throw new ConfigError('replica.token', 'expected a non-empty string, got something else');
  if (
    o.maxBatchSize !== undefined &&
    !(Number.isInteger(o.maxBatchSize) && o.maxBatchSize >= 1 && o.maxBatchSize <= 1000)
  ) {
    throw new ConfigError('replica.maxBatchSize', `expected an integer 1..1000, got ${String(o.maxBatchSize)}`);
  }
  for (const key of ['port', 'adminPort'] as const) {
    const v = o[key];
    if (v !== undefined && !(Number.isInteger(v) && v >= 0 && v <= 65535)) {
      throw new ConfigError(`replica.${key}`, `expected an integer port 0..65535, got ${String(v)}`);
    }
  }
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (e: Error): void => reject(e);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/**
 * Starts a replica: a service listener (tRPC at /trpc, REST at /api/work, /health) and an admin
 * listener (/chaos, /stats).
 */
export async function startReplica(o: ReplicaOptions): Promise<Replica> {
  validate(o);
  const limits = resolveServerLimits(o.server, 'replica.server');
  const maxBatchSize = o.maxBatchSize ?? 16;
  const onError = (e: unknown): void => o.onError?.(e);
  const host = o.host ?? '127.0.0.1';
  const random = o.random ?? Math.random;
  let chaos = noChaos();
  let closed = false;
  const sockets = new Set<Socket>();
  const hung = new Set<() => void>();
  const timers = new Set<NodeJS.Timeout>();
  const s = {
    requests: 0,
    inFlight: 0,
    peakInFlight: 0,
    injectedErrors: 0,
    healthChecks: 0,
    upSince: Date.now(),
    requestsSinceUp: 0,
    peakInFlightSinceUp: 0,
  };
  const replicaHeaders = { 'x-replica-id': o.id, 'x-region': o.region };

  const trpc = createHTTPHandler({
    router: replicaRouter,
    basePath: '/trpc/',
    maxBatchSize,
    createContext: ({ req }): ReplicaContext => ({
      id: o.id,
      region: o.region,
      fail: (req as IncomingMessage & { bwFail?: boolean }).bwFail === true,
    }),
    responseMeta: () => ({ headers: replicaHeaders }),
  });

  const answer = (req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams): void => {
    if (path === '/health') {
      json(res, 200, { status: 'ok', id: o.id, region: o.region }, replicaHeaders);
      return;
    }
    const fail = chaos.errorRate > 0 && random() < chaos.errorRate;
    if (fail) s.injectedErrors += 1;
    if (path === '/api/work') {
      if (fail) {
        json(res, 503, { error: 'injected error', replica: o.id, region: o.region }, replicaHeaders);
        return;
      }
      const n = Number(query.get('n') ?? '0');
      json(
        res,
        200,
        { replica: o.id, region: o.region, n: Number.isFinite(n) ? n : 0, servedAt: Date.now() },
        replicaHeaders,
      );
      return;
    }
    if (path.startsWith('/trpc/')) {
      const tooLarge = batchTooLarge(path, query, maxBatchSize);
      if (tooLarge !== undefined) {
        json(res, 413, { error: tooLarge }, { connection: 'close' });
        return;
      }
      (req as IncomingMessage & { bwFail?: boolean }).bwFail = fail;
      // The adapter catches its own async errors (answering 500); safeAnswer catches sync throws.
      trpc(req, res);
      return;
    }
    json(res, 404, { error: 'not found' });
  };

  // Also runs from timers (latency, hang release), outside the request callback's own guard.
  const safeAnswer = (req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams): void => {
    try {
      answer(req, res, path, query);
    } catch (e) {
      onError(e);
      sendError(res, 500, 'internal error');
    }
  };

  const service = createLimitedServer(
    limits,
    safeHandler((req, res, { path, query }) => {
      const isHealth = path === '/health';
      if (isHealth) s.healthChecks += 1;
      else {
        s.requests += 1;
        s.requestsSinceUp += 1;
        s.inFlight += 1;
        s.peakInFlight = Math.max(s.peakInFlight, s.inFlight);
        s.peakInFlightSinceUp = Math.max(s.peakInFlightSinceUp, s.inFlight);
        let done = false;
        const finish = (): void => {
          if (done) return;
          done = true;
          s.inFlight -= 1;
        };
        res.once('finish', finish);
        res.once('close', finish);
      }
      const proceed = (): void => {
        if (res.destroyed) return;
        if (chaos.latencyMs > 0) {
          const t = setTimeout(() => {
            timers.delete(t);
            if (!res.destroyed) safeAnswer(req, res, path, query);
          }, chaos.latencyMs);
          timers.add(t);
        } else safeAnswer(req, res, path, query);
      };
      if (chaos.hang) {
        // Held until hang is cleared (then answered) or the client gives up.
        hung.add(proceed);
        res.once('close', () => hung.delete(proceed));
        return;
      }
      proceed();
    }, onError),
  );
  service.on('connection', (sock) => {
    sockets.add(sock);
    sock.once('close', () => sockets.delete(sock));
  });

  const port = await listen(service, o.port ?? 0, host);

  const goDown = (): void => {
    service.close();
    for (const sock of sockets) sock.destroy();
    sockets.clear();
    hung.clear();
  };
  const goUp = async (): Promise<void> => {
    await listen(service, port, host);
    s.upSince = Date.now();
    s.requestsSinceUp = 0;
    s.peakInFlightSinceUp = 0;
  };

  const setChaos = async (update: unknown): Promise<ChaosSettings> => {
    const next = mergeChaos(chaos, update);
    const prev = chaos;
    chaos = next;
    if (next.down && !prev.down) goDown();
    if (!next.down && prev.down && !closed) await goUp();
    if (!next.hang && prev.hang) {
      const waiting = [...hung];
      hung.clear();
      for (const go of waiting) go();
    }
    return { ...chaos };
  };

  const stats = (): ReplicaStats => ({ id: o.id, region: o.region, ...s, chaos: { ...chaos } });

  let adminPort = 0;
  const admin = createLimitedServer(
    limits,
    safeHandler(adminHandler({ token: o.token, stats, chaos: () => chaos, setChaos, port: () => adminPort }), onError),
  );
  adminPort = await listen(admin, o.adminPort ?? 0, host);

  return {
    id: o.id,
    region: o.region,
    port,
    adminPort,
    url: `http://${host}:${port}`,
    adminUrl: `http://${host}:${adminPort}`,
    chaos: () => ({ ...chaos }),
    setChaos,
    stats,
    async close() {
      if (closed) return;
      closed = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      hung.clear();
      for (const sock of sockets) sock.destroy();
      await Promise.all([
        new Promise<void>((r) => (service.listening ? service.close(() => r()) : r())),
        new Promise<void>((r) => {
          admin.close(() => r());
          admin.closeAllConnections();
        }),
      ]);
    },
  };
}
