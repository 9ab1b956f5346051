import {
  circuitBreaker,
  consecutiveFailures,
  constantBackoff,
  loadBalancer,
  ManualClock,
  pipeline,
  retry,
  timeout,
  TimeoutError,
  type AttemptContext,
} from '@breakwater/core';
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ATTR, injectTraceHeaders, instrument } from './index.js';
import { installGlobals, points, sdk } from '@breakwater/testkit/otel';

beforeAll(installGlobals);

let t: ReturnType<typeof sdk>;
afterEach(async () => {
  await t.shutdown();
});

const http = (method: string, url: string) => ({ context: { http: { method, url } } });

describe('instrument(policy)', () => {
  it('makes a parent span per call and a CLIENT span per attempt, with resend_count on retries', async () => {
    t = sdk();
    const policy = instrument(retry({ maxAttempts: 3, backoff: constantBackoff(0) }), {
      tracer: t.tracer,
      meter: t.meter,
    });
    let n = 0;
    const result = await policy.execute(
      () => {
        n++;
        if (n < 3) throw Object.assign(new Error('refused'), { code: 'ECONNREFUSED' });
        return { status: 200 };
      },
      http('get', 'http://api.example.com:8080/users?id=7'),
    );
    expect(result).toEqual({ status: 200 });
    const spans = t.spans();
    const parent = spans.find((s) => s.name === 'breakwater.call');
    const attempts = spans.filter((s) => s.kind === SpanKind.CLIENT);
    expect(parent?.kind).toBe(SpanKind.INTERNAL);
    expect(attempts).toHaveLength(3);
    for (const a of attempts) {
      expect(a.name).toBe('GET');
      expect(a.parentSpanContext?.spanId).toBe(parent?.spanContext().spanId);
      expect(a.spanContext().traceId).toBe(parent?.spanContext().traceId);
      expect(a.attributes).toMatchObject({
        [ATTR.HTTP_METHOD]: 'GET',
        [ATTR.SERVER_ADDRESS]: 'api.example.com',
        [ATTR.SERVER_PORT]: 8080,
        [ATTR.URL_FULL]: 'http://api.example.com:8080/users?id=7',
      });
    }
    expect(attempts.map((a) => a.attributes[ATTR.HTTP_RESEND_COUNT])).toEqual([undefined, 1, 2]);
    expect(attempts.map((a) => a.attributes[ATTR.ERROR_TYPE])).toEqual(['ECONNREFUSED', 'ECONNREFUSED', undefined]);
    expect(attempts.map((a) => a.status.code)).toEqual([
      SpanStatusCode.ERROR,
      SpanStatusCode.ERROR,
      SpanStatusCode.UNSET,
    ]);
    expect(attempts[2]?.attributes[ATTR.HTTP_STATUS]).toBe(200);
    expect(parent?.attributes).toMatchObject({
      [ATTR.ATTEMPTS]: 3,
      [ATTR.OUTCOME]: 'success',
      [ATTR.HTTP_STATUS]: 200,
    });

    const rm = await t.metrics();
    const durations = points(rm, 'http.client.request.duration');
    expect(durations.reduce((s, p) => s + (p.count ?? 0), 0)).toBe(3);
    expect(durations[0]?.boundaries?.[0]).toBe(0.005);
    expect(durations.find((p) => p.attributes[ATTR.ERROR_TYPE] === 'ECONNREFUSED')?.count).toBe(2);
    expect(durations.every((p) => p.attributes[ATTR.URL_FULL] === undefined)).toBe(true);
    expect(points(rm, 'breakwater.client.requests')).toEqual([
      { attributes: { [ATTR.HTTP_METHOD]: 'GET', [ATTR.OUTCOME]: 'success', [ATTR.HTTP_STATUS]: 200 }, value: 1 },
    ]);
  });

  it('marks 5xx responses as errors and records timeouts with error.type "timeout"', async () => {
    t = sdk();
    const clock = new ManualClock();
    const policy = instrument(pipeline(timeout(50, { clock })), { tracer: t.tracer, meter: t.meter });
    await expect(policy.execute(() => ({ status: 503 }), http('POST', 'http://svc/x'))).resolves.toEqual({
      status: 503,
    });
    const slow = policy.execute(
      (ctx) => new Promise((_r, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason))),
      http('GET', 'http://svc/y'),
    );
    clock.advance(50);
    await expect(slow).rejects.toBeInstanceOf(TimeoutError);
    const [first, , second] = t
      .spans()
      .filter((s) => s.kind === SpanKind.CLIENT || s.name === 'breakwater.call')
      .sort((a, b) => a.startTime[1] - b.startTime[1]);
    expect(first).toBeDefined();
    const clients = t.spans().filter((s) => s.kind === SpanKind.CLIENT);
    expect(clients[0]?.attributes).toMatchObject({ [ATTR.HTTP_STATUS]: 503, [ATTR.ERROR_TYPE]: '503' });
    expect(clients[0]?.status.code).toBe(SpanStatusCode.ERROR);
    expect(clients[1]?.attributes[ATTR.ERROR_TYPE]).toBe('timeout');
    const calls = t.spans().filter((s) => s.name === 'breakwater.call');
    expect(calls[1]?.attributes).toMatchObject({ [ATTR.OUTCOME]: 'timeout', [ATTR.ERROR_TYPE]: 'timeout' });
    void second;
    const requests = points(await t.metrics(), 'breakwater.client.requests');
    expect(requests.find((p) => p.attributes[ATTR.OUTCOME] === 'timeout')?.value).toBe(1);
  });

  it('keeps the policy API (retry events) and works nested in a pipeline', async () => {
    t = sdk();
    const r = retry({ maxAttempts: 2, backoff: constantBackoff(0) });
    const inst = instrument(r, { tracer: t.tracer, meter: t.meter });
    const seen: number[] = [];
    const off = inst.on('retry', (e) => seen.push(e.attempt));
    const outer = pipeline(inst);
    let n = 0;
    await outer.execute(() => {
      if (n++ === 0) throw new Error('x');
      return 'ok';
    });
    off();
    expect(seen).toEqual([1]);
    expect(t.spans().filter((s) => s.kind === SpanKind.CLIENT)).toHaveLength(2);
  });
});

describe('instrument(breaker)', () => {
  it('keeps the breaker API, adds transitions as span events, a state attribute and the state gauge', async () => {
    t = sdk();
    const clock = new ManualClock();
    const raw = circuitBreaker({ name: 'database', trip: consecutiveFailures(2), halfOpenAfterMs: 1000, clock });
    const breaker = instrument(raw, { tracer: t.tracer, meter: t.meter });
    expect(breaker.name).toBe('database');
    expect(breaker.state).toBe('closed');
    await expect(
      breaker.execute(() => {
        throw new Error('down');
      }),
    ).rejects.toThrow('down');
    await expect(
      breaker.execute(() => {
        throw new Error('down');
      }),
    ).rejects.toThrow('down');
    expect(breaker.state).toBe('open');
    expect(raw.state).toBe('open');
    await expect(breaker.execute(() => 'never')).rejects.toMatchObject({ code: 'BW_CIRCUIT_OPEN' });

    const calls = t.spans().filter((s) => s.name === 'breakwater.call');
    expect(calls).toHaveLength(3);
    const tripping = calls[1];
    expect(
      tripping?.events
        .filter((e) => e.name !== 'exception')
        .map((e) => [e.name, e.attributes?.[ATTR.CIRCUIT_FROM], e.attributes?.[ATTR.CIRCUIT_STATE]]),
    ).toEqual([['breakwater.circuit.state_change', 'closed', 'open']]);
    expect(tripping?.attributes[ATTR.CIRCUIT_STATE]).toBe('open');
    expect(calls[2]?.attributes).toMatchObject({
      [ATTR.OUTCOME]: 'rejected',
      [ATTR.ERROR_TYPE]: 'BW_CIRCUIT_OPEN',
      [ATTR.ATTEMPTS]: 0,
    });
    // A rejected call never reached the dependency: no CLIENT span for it.
    expect(t.spans().filter((s) => s.kind === SpanKind.CLIENT)).toHaveLength(2);

    let rm = await t.metrics();
    expect(points(rm, 'breakwater.circuit.state')).toEqual([
      { attributes: { [ATTR.CIRCUIT_NAME]: 'database' }, value: 1 },
    ]);
    const isolation = breaker.isolate();
    rm = await t.metrics();
    expect(points(rm, 'breakwater.circuit.state')[0]?.value).toBe(3);
    // A transition between calls gets a span of its own.
    isolation.release();
    const standalone = t.spans().filter((s) => s.name === 'breakwater.circuit.state_change');
    expect(standalone.map((s) => s.attributes[ATTR.CIRCUIT_STATE])).toEqual(['isolated', 'closed']);
    const requests = points(rm, 'breakwater.client.requests');
    expect(requests.find((p) => p.attributes[ATTR.OUTCOME] === 'rejected')?.attributes[ATTR.CIRCUIT_NAME]).toBe(
      'database',
    );
    rm = await t.metrics();
    expect(points(rm, 'breakwater.circuit.state')[0]?.value).toBe(0);
    breaker.dispose();
    // No longer observed: the SDK keeps the last value (cumulative) instead of the new state.
    raw.isolate({ scope: 'local' });
    expect(raw.state).toBe('isolated');
    rm = await t.metrics();
    expect(points(rm, 'breakwater.circuit.state')[0]?.value).toBe(0);
  });
});

describe('instrument(breaker).close()', () => {
  it("close() (the breaker's name for dispose()) also stops the state gauge and closes the breaker", async () => {
    t = sdk();
    const raw = circuitBreaker({ name: 'cache', clock: new ManualClock() });
    const breaker = instrument(raw, { tracer: t.tracer, meter: t.meter });
    expect(points(await t.metrics(), 'breakwater.circuit.state')[0]?.value).toBe(0);
    breaker.close();
    raw.isolate({ scope: 'local' });
    expect(points(await t.metrics(), 'breakwater.circuit.state')[0]?.value).toBe(0);
    await expect(breaker.execute(() => 'x')).rejects.toMatchObject({ code: 'BW_CLOSED' });
  });
});

describe('instrument(balancer)', () => {
  it('wraps execute: attempt spans carry the picked endpoint as server.address and resolve relative URLs', async () => {
    t = sdk();
    const lb = loadBalancer({ endpoints: [{ id: 'a', url: 'http://10.0.0.1:8081', region: 'eu' }] });
    const inst = instrument(lb, { tracer: t.tracer, meter: t.meter });
    expect(inst.endpoints()).toHaveLength(1);
    const got = await inst.execute(
      (endpoint) => ({ status: 204, endpoint: endpoint.id }),
      http('DELETE', '/items/1?token=abc'),
    );
    expect(got).toEqual({ status: 204, endpoint: 'a' });
    const client = t.spans().find((s) => s.kind === SpanKind.CLIENT);
    expect(client?.name).toBe('DELETE');
    expect(client?.attributes).toMatchObject({
      [ATTR.SERVER_ADDRESS]: '10.0.0.1',
      [ATTR.SERVER_PORT]: 8081,
      [ATTR.ENDPOINT_ID]: 'a',
      [ATTR.ENDPOINT_REGION]: 'eu',
      [ATTR.URL_FULL]: 'http://10.0.0.1:8081/items/1?token=REDACTED',
      [ATTR.HTTP_STATUS]: 204,
    });
    await lb.close();
  });

  it('attempt spans inside a pipeline with balancer.asPolicy() get ctx.endpoint', async () => {
    t = sdk();
    const lb = loadBalancer({ endpoints: [{ id: 'b', url: 'https://b.example.com' }] });
    const policy = instrument(pipeline(lb.asPolicy()), { tracer: t.tracer, meter: t.meter });
    await policy.execute((ctx: AttemptContext) => ctx.endpoint?.id, http('GET', '/health'));
    const client = t.spans().find((s) => s.kind === SpanKind.CLIENT);
    expect(client?.attributes).toMatchObject({
      [ATTR.SERVER_ADDRESS]: 'b.example.com',
      [ATTR.SERVER_PORT]: 443,
      [ATTR.URL_FULL]: 'https://b.example.com/health',
    });
    await lb.close();
  });
});

describe('propagation', () => {
  it('injectTraceHeaders writes the attempt span as traceparent, with or without the attempt context', async () => {
    t = sdk();
    const policy = instrument(retry({ maxAttempts: 1 }), { tracer: t.tracer, meter: t.meter });
    let viaActive: Record<string, string> = {};
    let viaCtx: Record<string, string> = {};
    await policy.execute(async (ctx) => {
      await Promise.resolve();
      viaActive = injectTraceHeaders({});
      viaCtx = injectTraceHeaders({}, ctx);
    });
    const client = t.spans().find((s) => s.kind === SpanKind.CLIENT);
    const expected = `00-${client?.spanContext().traceId}-${client?.spanContext().spanId}-01`;
    expect(viaActive.traceparent).toBe(expected);
    expect(viaCtx.traceparent).toBe(expected);
  });

  it("the call span is a child of the caller's active span", async () => {
    t = sdk();
    const policy = instrument(retry({ maxAttempts: 1 }), { tracer: t.tracer, meter: t.meter });
    const outer = t.tracer.startSpan('incoming');
    await context.with(trace.setSpan(context.active(), outer), () => policy.execute(() => 1));
    outer.end();
    const call = t.spans().find((s) => s.name === 'breakwater.call');
    expect(call?.parentSpanContext?.spanId).toBe(outer.spanContext().spanId);
  });
});
