/**
 * API contract conformance: @breakwater/otel (docs/API.md). A real SDK tracer and meter
 * with in-memory export; imports only from package roots.
 */
import {
  ManualClock,
  circuitBreaker,
  consecutiveFailures,
  constantBackoff,
  loadBalancer,
  pipeline,
  retry,
  roundRobin,
  timeout,
  type CircuitBreaker,
  type LoadBalancer,
  type Policy,
} from '@breakwater/core';
import { SpanKind, type Attributes } from '@opentelemetry/api';
import { AggregationTemporality, MeterProvider, MetricReader, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { instrument } from '@breakwater/otel';

class Reader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

function sdk() {
  const exporter = new InMemorySpanExporter();
  const tracer = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }).getTracer('contract');
  const reader = new Reader();
  const meter = new MeterProvider({ readers: [reader] }).getMeter('contract');
  return {
    tracer,
    meter,
    spans: () => exporter.getFinishedSpans(),
    async metrics(): Promise<ResourceMetrics> {
      return (await reader.collect()).resourceMetrics;
    },
  };
}

function metricNames(rm: ResourceMetrics): string[] {
  return rm.scopeMetrics.flatMap((s) => s.metrics.map((m) => m.descriptor.name));
}

function dataPoints(rm: ResourceMetrics, name: string): Array<{ attributes: Attributes; value: unknown }> {
  return rm.scopeMetrics.flatMap((s) =>
    s.metrics
      .filter((m) => m.descriptor.name === name)
      .flatMap((m) => m.dataPoints as Array<{ attributes: Attributes; value: unknown }>),
  );
}

describe('instrument', () => {
  it('returns the same shape (policy, breaker, balancer) and keeps types', async () => {
    const t = sdk();
    const r = retry({ maxAttempts: 2, backoff: constantBackoff(0) });
    const ir = instrument(r, { tracer: t.tracer, meter: t.meter });
    expectTypeOf(ir).toEqualTypeOf(r);
    expect(typeof ir.execute).toBe('function');
    expect(typeof ir.on).toBe('function');
    await expect(ir.execute(() => 5)).resolves.toBe(5);

    const b = circuitBreaker({ name: 'shape', trip: consecutiveFailures(1) });
    const ib: CircuitBreaker = instrument(b as CircuitBreaker, { tracer: t.tracer, meter: t.meter });
    expect(ib.name).toBe('shape');
    expect(ib.state).toBe('closed');
    await ib
      .execute(() => {
        throw new Error('x');
      })
      .catch(() => undefined);
    expect(ib.state).toBe('open');
    expect(b.state).toBe('open');
    expect(ib.metrics()).toMatchObject({ failures: 1 });
    const off = ib.on('stateChange', () => {});
    expect(typeof off).toBe('function');
    ib.reset();
    expect(b.state).toBe('closed');
    ib.isolate().release();

    const lb = loadBalancer({ name: 'shape-lb', endpoints: [{ id: 'a', url: 'http://a' }] });
    const ilb: LoadBalancer = instrument(lb, { tracer: t.tracer, meter: t.meter });
    expect(ilb.pick().id).toBe('a');
    expect(ilb.endpoints().map((e) => e.id)).toEqual(['a']);
    await expect(ilb.execute((ep) => ep.id)).resolves.toBe('a');
    expect(typeof ilb.asPolicy().execute).toBe('function');
    expect(ilb.currentRegion).toBe(lb.currentRegion);
    await ilb.close();
  });

  it('a CLIENT span per attempt; retries carry http.request.resend_count', async () => {
    const t = sdk();
    const policy: Policy = instrument(pipeline(retry({ maxAttempts: 3, backoff: constantBackoff(0) })), {
      tracer: t.tracer,
      meter: t.meter,
    });
    let n = 0;
    await policy.execute(() => {
      n++;
      if (n < 3) throw new Error('flaky');
      return 'ok';
    });
    const attempts = t.spans().filter((s) => s.kind === SpanKind.CLIENT);
    expect(attempts).toHaveLength(3);
    expect(attempts.map((s) => s.attributes['http.request.resend_count'])).toEqual([undefined, 1, 2]);
  });

  it('instrumented balancer: a CLIENT span per attempt (through asPolicy in a pipeline too)', async () => {
    const t = sdk();
    const lb = instrument(
      loadBalancer({ endpoints: [{ id: 'a', url: 'http://a.example:8080' }], strategy: roundRobin() }),
      {
        tracer: t.tracer,
        meter: t.meter,
      },
    );
    await lb.execute(() => 1);
    expect(t.spans().filter((s) => s.kind === SpanKind.CLIENT)).toHaveLength(1);
    let n = 0;
    await pipeline(retry({ maxAttempts: 2, backoff: constantBackoff(0) }), lb.asPolicy()).execute(() => {
      n++;
      if (n === 1) throw new Error('again');
      return 2;
    });
    const clients = t.spans().filter((s) => s.kind === SpanKind.CLIENT);
    expect(clients).toHaveLength(3);
    expect(clients[2]!.attributes['http.request.resend_count']).toBe(1);
  });

  it('breaker state changes become span events and breakwater.circuit.state attributes', async () => {
    const t = sdk();
    const b = instrument(circuitBreaker({ name: 'otel-b', trip: consecutiveFailures(1) }), {
      tracer: t.tracer,
      meter: t.meter,
    });
    await b
      .execute(() => {
        throw new Error('down');
      })
      .catch(() => undefined);
    const spans = t.spans();
    const events = spans.flatMap((s) => s.events);
    expect(events.length).toBeGreaterThanOrEqual(1);
    expect(events.some((e) => e.attributes?.['breakwater.circuit.state'] === 'open')).toBe(true);
    expect(spans.some((s) => s.attributes['breakwater.circuit.state'] !== undefined)).toBe(true);
  });

  it('metrics through the meter: breakwater.client.requests, http.client.request.duration, breakwater.circuit.state', async () => {
    const t = sdk();
    const clock = new ManualClock();
    const b = instrument(circuitBreaker({ name: 'otel-metrics', trip: consecutiveFailures(1), clock }), {
      tracer: t.tracer,
      meter: t.meter,
    });
    await b.execute(() => 'ok');
    await b
      .execute(() => {
        throw new Error('x');
      })
      .catch(() => undefined);
    const rm = await t.metrics();
    const names = metricNames(rm);
    expect(names).toContain('breakwater.client.requests');
    expect(names).toContain('http.client.request.duration');
    expect(names).toContain('breakwater.circuit.state');
    const requests = dataPoints(rm, 'breakwater.client.requests').reduce((sum, p) => sum + (p.value as number), 0);
    expect(requests).toBe(2);
    const state = dataPoints(rm, 'breakwater.circuit.state');
    expect(state.map((p) => p.value)).toEqual([1]);
  });

  it('a timeout counted through an instrumented pipeline still rejects as before', async () => {
    const t = sdk();
    const clock = new ManualClock();
    const policy = instrument(pipeline(timeout(10, { clock })), { tracer: t.tracer, meter: t.meter });
    const p = policy.execute(() => new Promise(() => {}));
    clock.advance(10);
    await expect(p).rejects.toMatchObject({ code: 'BW_TIMEOUT' });
  });
});
