import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { memoryBreakerStore, type BreakerStore } from '@breakwater/core';
import { startTestHttpServer, type TestHttpServer } from '@breakwater/testkit';
import { startGateway, type Gateway } from '../src/gateway.js';

// Issue 15 item 9: with a tracer, a client's trace shows the gateway's spans and the replica's
// parent in one trace — the incoming traceparent is continued by the gateway's attempt spans,
// and each upstream call carries its attempt span as parent.
let gateway: Gateway | undefined;
let replica: TestHttpServer | undefined;
let store: BreakerStore | undefined;
afterEach(async () => {
  await gateway?.close(1_000);
  await replica?.close();
  await store?.close();
});

describe('gateway with a tracer', () => {
  it('gateway spans and the replica call share the client trace id; the replica parent is a gateway span', async () => {
    replica = await startTestHttpServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(req.url?.startsWith('/trpc/') ? JSON.stringify({ result: { data: { n: 0 } } }) : '{"n":0}');
    });
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    store = memoryBreakerStore();
    gateway = await startGateway({
      id: 'gw-t',
      replicas: [{ id: 'eu-1', region: 'eu', url: replica.url }],
      regions: ['eu'],
      store,
      storeKind: 'memory',
      logger: pino({ level: 'silent' }),
      token: 'trace-token-0123456789',
      tracer: provider.getTracer('gateway-test'),
      tuning: { healthIntervalMs: 1_000 },
    });
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    for (const path of ['/api/work', '/rpc/work', '/axios/work']) {
      exporter.reset();
      const seen = replica.requests.length;
      const res = await fetch(`${gateway.url}${path}`, {
        headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
      });
      expect(res.status, path).toBe(200);
      await res.text();
      const spans = exporter.getFinishedSpans();
      expect(spans.length, path).toBeGreaterThan(0);
      for (const s of spans) expect(s.spanContext().traceId, path).toBe(traceId);
      const spanIds = new Set(spans.map((s) => s.spanContext().spanId));
      const calls = replica.requests.slice(seen).filter((r) => r.url !== '/health');
      expect(calls.length, path).toBeGreaterThan(0);
      for (const c of calls) {
        const [, tid, parent] = String(c.headers['traceparent']).split('-');
        expect(tid, path).toBe(traceId);
        expect(spanIds.has(parent as string), `${path}: replica parent ${parent} is one of the gateway's spans`).toBe(
          true,
        );
      }
    }
    await provider.shutdown();
  });
});
