/**
 * API contract conformance: @breakwater/prometheus (docs/API.md). Real breakers and
 * balancers from @breakwater/core; imports only from package roots.
 */
import {
  ManualClock,
  TimeoutError,
  bulkhead,
  circuitBreaker,
  consecutiveFailures,
  loadBalancer,
  pipeline,
  roundRobin,
  timeout,
} from '@breakwater/core';
import { Registry, register } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { prometheusMetrics } from '@breakwater/prometheus';

const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

interface Sample {
  labels: Record<string, string | number>;
  value: number;
  metricName?: string;
}

async function samples(registry: Registry, name: string): Promise<Sample[]> {
  const metric = registry.getSingleMetric(name);
  if (metric === undefined) return [];
  return (await metric.get()).values as Sample[];
}

async function value(registry: Registry, name: string, labels: Record<string, string>): Promise<number | undefined> {
  const all = await samples(registry, name);
  return all.find(
    (s) =>
      Object.entries(labels).every(([k, v]) => String(s.labels[k]) === v) &&
      (s.metricName === undefined || s.metricName === name || !s.metricName.endsWith('_bucket')),
  )?.value;
}

async function typeOf(registry: Registry, name: string): Promise<string | undefined> {
  const metric = registry.getSingleMetric(name);
  return metric === undefined ? undefined : String((await metric.get()).type);
}

describe('prometheusMetrics', () => {
  it('returns { observe, registry }; default registry is prom-client global, prefix ""', () => {
    const m = prometheusMetrics();
    expect(m.registry).toBe(register);
    expect(typeof m.observe).toBe('function');
    const registry = new Registry();
    expect(prometheusMetrics({ registry }).registry).toBe(registry);
  });

  it('seed metric names and types, with their labels', async () => {
    const registry = new Registry();
    const m = prometheusMetrics({ registry });
    const lb = loadBalancer({ endpoints: [{ id: 'a', url: 'http://a' }], strategy: roundRobin() });
    const breaker = circuitBreaker({ name: 'db' });
    m.observe(lb);
    m.observe(breaker);
    await lb.execute(() => ({ status: 200 }));
    expect(await typeOf(registry, 'lb_requests_total')).toBe('counter');
    expect(await typeOf(registry, 'lb_request_duration_seconds')).toBe('histogram');
    expect(await typeOf(registry, 'lb_active_connections')).toBe('gauge');
    expect(await typeOf(registry, 'circuit_breaker_state')).toBe('gauge');
    const text = await registry.metrics();
    expect(text).toMatch(/^lb_requests_total\{server="a",status="200"\} 1$/m);
    expect(text).toMatch(/^lb_request_duration_seconds_bucket\{le="[^"]+",server="a"\} \d+$/m);
    expect(text).toMatch(/^lb_request_duration_seconds_count\{server="a"\} 1$/m);
    expect(text).toMatch(/^lb_active_connections\{server="a"\} 0$/m);
    expect(text).toMatch(/^circuit_breaker_state\{service="db"\} 0$/m);
  });

  it('prefix is prepended to every metric name', async () => {
    const registry = new Registry();
    const m = prometheusMetrics({ registry, prefix: 'myapp_' });
    m.observe(loadBalancer({ endpoints: [{ id: 'a', url: 'http://a' }] }));
    m.observe(circuitBreaker({ name: 'x' }));
    const text = await registry.metrics();
    for (const name of [
      'lb_requests_total',
      'lb_request_duration_seconds',
      'lb_active_connections',
      'circuit_breaker_state',
    ]) {
      expect(text).toContain(`# TYPE myapp_${name} `);
      expect(text).not.toContain(`# TYPE ${name} `);
    }
  });

  it('circuit_breaker_state{service}: 0 closed, 1 open, 2 half-open, 3 isolated', async () => {
    const registry = new Registry();
    const m = prometheusMetrics({ registry });
    const clock = new ManualClock();
    const b = circuitBreaker({ name: 'payments', trip: consecutiveFailures(1), halfOpenAfterMs: 100, clock });
    m.observe(b);
    const state = () => value(registry, 'circuit_breaker_state', { service: 'payments' });
    expect(await state()).toBe(0);
    await b
      .execute(() => {
        throw new Error('x');
      })
      .catch(() => undefined);
    expect(await state()).toBe(1);
    clock.advance(100);
    let inProbe: number | undefined;
    await b.execute(async () => {
      inProbe = await state();
    });
    expect(inProbe).toBe(2);
    expect(await state()).toBe(0);
    const h = b.isolate();
    expect(await state()).toBe(3);
    h.release();
    expect(await state()).toBe(0);
  });

  it('lb_requests_total{status}: the HTTP status code when there is one, else error / timeout / rejected', async () => {
    const registry = new Registry();
    const m = prometheusMetrics({ registry });
    const clock = new ManualClock();
    const lb = loadBalancer({ endpoints: [{ id: 'a', url: 'http://a' }], strategy: roundRobin(), clock });
    m.observe(lb);
    await lb.execute(() => ({ status: 200 }));
    await lb.execute(() => new Response(null, { status: 200 }));
    await lb.execute(() => ({ status: 503 }));
    await lb
      .execute(() => {
        throw Object.assign(new Error('bad gateway'), { response: { status: 503 } });
      })
      .catch(() => undefined);
    await lb
      .execute(() => {
        throw new Error('ECONNREFUSED');
      })
      .catch(() => undefined);
    await lb
      .execute(() => {
        throw new TimeoutError(100);
      })
      .catch(() => undefined);
    const timed = pipeline(lb.asPolicy(), timeout(50, { clock })).execute(() => new Promise(() => {}));
    clock.advance(50);
    await timed.catch(() => undefined);
    await flush();
    const full = bulkhead({ maxConcurrent: 1 });
    let release!: () => void;
    const hold = full.execute(
      () =>
        new Promise<void>((r) => {
          release = r;
        }),
    );
    await pipeline(lb.asPolicy(), full)
      .execute(() => 1)
      .catch(() => undefined);
    release();
    await hold;
    const open = circuitBreaker({ name: 'inner', trip: consecutiveFailures(1), clock });
    await open
      .execute(() => {
        throw new Error('x');
      })
      .catch(() => undefined);
    await pipeline(lb.asPolicy(), open)
      .execute(() => 1)
      .catch(() => undefined);
    const count = (status: string) => value(registry, 'lb_requests_total', { server: 'a', status });
    expect(await count('200')).toBe(2);
    expect(await count('503')).toBe(2);
    expect(await count('error')).toBe(1);
    expect(await count('timeout')).toBe(2);
    expect(await count('rejected')).toBe(2);
    await lb.close();
  });

  it('lb_request_duration_seconds{server} observes seconds; lb_active_connections{server} counts in flight', async () => {
    const registry = new Registry();
    const m = prometheusMetrics({ registry });
    const clock = new ManualClock();
    const lb = loadBalancer({
      endpoints: [
        { id: 'a', url: 'http://a' },
        { id: 'b', url: 'http://b' },
      ],
      strategy: roundRobin(),
      clock,
    });
    m.observe(lb);
    const p = lb.execute(() => new Promise((r) => clock.setTimeout(() => r({ status: 200 }), 250)));
    await flush();
    expect(await value(registry, 'lb_active_connections', { server: 'a' })).toBe(1);
    expect(await value(registry, 'lb_active_connections', { server: 'b' })).toBe(0);
    clock.advance(250);
    await p;
    expect(await value(registry, 'lb_active_connections', { server: 'a' })).toBe(0);
    const hist = await samples(registry, 'lb_request_duration_seconds');
    expect(
      hist.find((s) => s.metricName === 'lb_request_duration_seconds_sum' && s.labels['server'] === 'a')?.value,
    ).toBeCloseTo(0.25);
    expect(
      hist.find((s) => s.metricName === 'lb_request_duration_seconds_count' && s.labels['server'] === 'a')?.value,
    ).toBe(1);
  });

  it('a new prometheusMetrics() after register.clear() reports again (common between tests)', async () => {
    const first = prometheusMetrics();
    const lb1 = loadBalancer({ endpoints: [{ id: 'a', url: 'http://a' }] });
    first.observe(lb1);
    await lb1.execute(() => ({ status: 200 }));
    register.clear();
    const second = prometheusMetrics();
    const lb2 = loadBalancer({ endpoints: [{ id: 'a', url: 'http://a' }] });
    second.observe(lb2);
    second.observe(circuitBreaker({ name: 'after-clear' }));
    await lb2.execute(() => ({ status: 200 }));
    const text = await register.metrics();
    expect(text).toMatch(/^lb_requests_total\{server="a",status="200"\} 1$/m);
    expect(text).toMatch(/^circuit_breaker_state\{service="after-clear"\} 0$/m);
    register.clear();
  });

  it('observe returns a function that stops reporting the source', async () => {
    const registry = new Registry();
    const m = prometheusMetrics({ registry });
    const lb = loadBalancer({ endpoints: [{ id: 'a', url: 'http://a' }] });
    const b = circuitBreaker({ name: 'detach-me' });
    const detachLb = m.observe(lb);
    const detachB = m.observe(b);
    expect(typeof detachLb).toBe('function');
    expect(typeof detachB).toBe('function');
    await lb.execute(() => ({ status: 200 }));
    detachLb();
    await lb.execute(() => ({ status: 200 }));
    expect(await value(registry, 'lb_requests_total', { server: 'a', status: '200' })).toBe(1);
    detachB();
    expect(await value(registry, 'circuit_breaker_state', { service: 'detach-me' })).toBeUndefined();
  });
});
