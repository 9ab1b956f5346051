import { createServer, type Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import axios from 'axios';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  circuitBreaker,
  consecutiveFailures,
  constantBackoff,
  loadBalancer,
  logEvents,
  pipeline,
  retry,
  roundRobin,
  timeout,
} from '@breakwater/core';
import { createFetch } from '@breakwater/fetch';
import { withResilience } from '@breakwater/axios';
import { instrument } from '@breakwater/otel';
import { prometheusMetrics } from '@breakwater/prometheus';
import { capturingLogger, capturingOtel } from './harness/telemetry-capture.js';
import { recordFigures } from './harness/results.js';

const token = (label: string): string => `${label}${randomBytes(12).toString('hex')}`;
/** Planted secrets: each is unique enough that finding it anywhere means it leaked. */
const secrets = {
  bearer: token('bwBearer'),
  cookie: token('bwCookie'),
  urlPassword: token('bwUrlPass'),
  basicPassword: token('bwBasic'),
  apiKeyHeader: token('bwApiKey'),
};
const urlUser = 'svcuser';
/** Encoded forms a leak might take. */
const forms = (s: string): string[] => [s, Buffer.from(`${urlUser}:${s}`).toString('base64'), encodeURIComponent(s)];

let server: Server;
let port = 0;
let n = 0;
beforeAll(async () => {
  // Every third request fails (503 or a reset) so breakers trip, retries happen, endpoints get ejected: the
  // paths that log, trace and count the most.
  server = createServer((req, res) => {
    n += 1;
    req.resume();
    if (n % 7 === 0) {
      req.socket.destroy();
      return;
    }
    if (n % 3 === 0) {
      res.writeHead(503, { 'retry-after': '0' });
      res.end('busy');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', 'set-cookie': `sid=${secrets.cookie}` });
    res.end('{"ok":true}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as { port: number }).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

describe('security: secrets never reach logs, spans or metric labels', () => {
  it('credentials (headers, URLs) sent through fetch and axios stay out of logs, OTel spans/metrics and scrapes', async () => {
    const logs = capturingLogger();
    const otel = capturingOtel();
    const prom = prometheusMetrics();
    const credUrl = `http://${urlUser}:${secrets.urlPassword}@127.0.0.1:${port}`;
    const balancer = instrument(
      loadBalancer({
        name: 'sec-lb',
        endpoints: [
          { id: 'ep-a', url: credUrl },
          { id: 'ep-b', url: `${credUrl}/` },
        ],
        strategy: roundRobin(),
        outlierDetection: { consecutiveFailures: 2, baseEjectionMs: 50, maxEjectionPercent: 50 },
        breaker: { trip: consecutiveFailures(2), halfOpenAfterMs: 30 },
      }),
      { tracer: otel.tracer, meter: otel.meter },
    );
    const breaker = instrument(
      circuitBreaker({
        name: 'sec-breaker',
        trip: consecutiveFailures(2),
        halfOpenAfterMs: 20,
        isResultFailure: (r) => (r as { status?: number })?.status === 503,
      }),
      { tracer: otel.tracer, meter: otel.meter },
    );
    const policy = instrument(
      pipeline(retry({ maxAttempts: 2, backoff: constantBackoff(1) }), breaker, timeout(2000)),
      {
        tracer: otel.tracer,
        meter: otel.meter,
      },
    );
    const unsub = [
      logEvents(breaker, logs.logger),
      logEvents(balancer, logs.logger),
      prom.observe(breaker),
      prom.observe(balancer),
    ];

    const headers = {
      authorization: `Bearer ${secrets.bearer}`,
      cookie: `session=${secrets.cookie}; other=1`,
      'x-api-key': secrets.apiKeyHeader,
    };
    const viaBalancer = createFetch({ policy, balancer });
    const direct = createFetch({ policy });
    const ax = axios.create({ validateStatus: () => true });
    const ejectAxios = withResilience(ax, { policy, balancer });
    const ax2 = axios.create({ validateStatus: () => true });
    const ejectAxios2 = withResilience(ax2, { policy });
    let settled = 0;
    for (let i = 0; i < 60; i++) {
      const calls: Array<Promise<unknown>> = [
        viaBalancer(`/api/${i}?q=1`, { headers }).then((r) => r.arrayBuffer()),
        // Credentials in the URL: fetch itself refuses them; whatever the error says must not be logged or traced.
        direct(`${credUrl}/direct/${i}`, { headers }).then((r) => r.arrayBuffer()),
        direct(`http://127.0.0.1:${port}/direct/${i}`, {
          headers,
          method: 'POST',
          body: `password=${secrets.basicPassword}`,
        }).then((r) => r.arrayBuffer()),
        ax.get(`/api/${i}`, { headers }),
        ax2.get(`${credUrl}/ax/${i}`, { headers }),
        ax2.get(`http://127.0.0.1:${port}/ax/${i}`, {
          headers,
          auth: { username: urlUser, password: secrets.basicPassword },
        }),
      ];
      // Handlers attached at once: a rejection must not sit unhandled while an earlier call is awaited.
      await Promise.all(
        calls.map((c) =>
          c.then(
            () => {
              settled += 1;
            },
            () => {
              settled += 1;
            },
          ),
        ),
      );
      await new Promise((r) => setTimeout(r, 2));
    }
    ejectAxios();
    ejectAxios2();
    const scrape = await prom.registry.metrics();
    const spans = otel.spansText();
    const spanCount = otel.spanCount();
    const otelMetrics = await otel.metricsText();
    const logText = logs.text();
    unsub.forEach((u) => u());
    await balancer.close();
    await otel.shutdown();

    const sources: Record<string, string> = {
      'pino logs': logText,
      'OTel spans': spans,
      'OTel metrics': otelMetrics,
      'Prometheus scrape': scrape,
    };
    const leaks: string[] = [];
    for (const [where, text] of Object.entries(sources)) {
      for (const [name, s] of Object.entries(secrets)) {
        for (const form of forms(s)) if (text.includes(form)) leaks.push(`${name} in ${where}`);
      }
    }
    recordFigures('80-security-secrets', {
      title: 'Security: planted secrets vs captured logs, spans and metrics',
      note: 'Bearer token, cookie, API-key header, basic-auth password, URL user:password (in request URLs and in endpoint URLs) sent through fetch and axios with breaker, balancer, retry; outputs scanned raw, base64 and URL-encoded.',
      rows: {
        'calls settled': settled,
        'log bytes / spans / scrape bytes': `${logText.length} / ${spanCount} / ${scrape.length}`,
        'leaks found': leaks.length === 0 ? 'none' : [...new Set(leaks)].join('; '),
      },
    });

    expect(settled).toBe(60 * 6);
    // Positive controls: the captures really saw traffic and transitions, so "no secret" means something.
    expect(spanCount).toBeGreaterThan(0);
    expect(logText).toMatch(/sec-breaker|sec-lb/);
    expect(scrape).toMatch(/circuit_breaker_state/);
    // The spans do record request URLs (so a leak there would have been seen), just without credentials.
    expect(spans).toContain(`127.0.0.1:${port}`);
    expect(spans).toContain('/api/');
    expect([...new Set(leaks)]).toEqual([]);
  });
});
