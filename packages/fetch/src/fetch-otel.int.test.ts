import { constantBackoff, loadBalancer, pipeline, retry, roundRobin, timeout } from '@breakwater/core';
import { injectTraceHeaders, instrument } from '@breakwater/otel';
import { startTestHttpServer, type TestHttpServer } from '@breakwater/testkit';
import { installGlobals } from '@breakwater/testkit/otel';
import { context, trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFetch } from './index.js';

let s: TestHttpServer;
let uninstall: () => void;
beforeAll(async () => {
  uninstall = installGlobals();
  s = await startTestHttpServer((_req, res, _b, seen) => {
    res.statusCode = s.requests.indexOf(seen) === 0 ? 503 : 200;
    res.end();
  });
});
afterAll(async () => {
  await s.close();
  uninstall();
});

describe('trace context reaches the server', () => {
  it('through the global @opentelemetry/api propagator by default', async () => {
    const provider = new BasicTracerProvider();
    const span = provider.getTracer('t').startSpan('caller');
    const f = createFetch({ policy: retry({ maxAttempts: 1 }) });
    const before = s.requests.length;
    await context.with(trace.setSpan(context.active(), span), () => f(`${s.url}/x`));
    span.end();
    const tp = s.requests[before]!.headers.traceparent;
    expect(tp).toMatch(new RegExp(`^00-${span.spanContext().traceId}-[0-9a-f]{16}-01$`));
  });

  it('one CLIENT span per attempt with @breakwater/otel: each attempt carries its own span id', async () => {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    const policy = instrument(pipeline(retry({ maxAttempts: 2, backoff: constantBackoff(0) })), {
      tracer: provider.getTracer('bw'),
    });
    const f = createFetch({ policy, propagate: injectTraceHeaders });
    s.requests.length = 0;
    expect((await f(`${s.url}/y`)).status).toBe(200);
    const parents = s.requests.map((r) => String(r.headers.traceparent).split('-')[2]);
    expect(parents).toHaveLength(2);
    expect(new Set(parents).size).toBe(2);
    const spanIds = exporter.getFinishedSpans().map((sp) => sp.spanContext().spanId);
    for (const p of parents) expect(spanIds).toContain(p);
  });

  it("an instrumented balancer's execute() is used (a CLIENT span per attempt with the endpoint's URL)", async () => {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    const lb = loadBalancer({ endpoints: [{ id: 'a', url: s.url }], strategy: roundRobin() });
    const balancer = instrument(lb, { tracer: provider.getTracer('bw') });
    const f = createFetch({ balancer, policy: pipeline(retry({ maxAttempts: 1 }), timeout(2000)) });
    try {
      s.requests.length = 1; // not the first request: the server answers 200
      expect((await f('/balanced')).status).toBe(200);
      const urls = exporter.getFinishedSpans().map((sp) => sp.attributes['url.full']);
      expect(urls).toContain(`${s.url}/balanced`);
    } finally {
      await f.close();
      await lb.close();
    }
  });
});
