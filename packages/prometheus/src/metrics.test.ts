import {
  circuitBreaker,
  consecutiveFailures,
  ConfigError,
  ManualClock,
  type LoadBalancer,
  type RequestEvent,
} from '@breakwater/core';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { prometheusMetrics } from './index.js';
import { startMetricsServer, valueOf } from './test-support/scrape.js';

/** A balancer stand-in: emits 'request' events and reports endpoints, like LoadBalancer does. */
function fakeBalancer(
  ids: string[],
): LoadBalancer & { emit(e: RequestEvent): void; inFlight: Map<string, number>; listeners(): number } {
  const listeners = new Set<(e: RequestEvent) => void>();
  const inFlight = new Map(ids.map((id) => [id, 0]));
  const lb = {
    name: 'fake',
    currentRegion: undefined,
    inFlight,
    pick: () => ({ id: ids[0] as string, url: 'http://x' }),
    endpoints: () =>
      ids.map((id) => ({
        id,
        url: `http://${id}`,
        healthy: true,
        ejected: false,
        inFlight: inFlight.get(id) ?? 0,
        ewmaMs: 0,
      })),
    on: (event: string, fn: (e: RequestEvent) => void) => {
      if (event !== 'request') return () => {};
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    emit: (e: RequestEvent) => {
      for (const l of listeners) l(e);
    },
    listeners: () => listeners.size,
  };
  return lb as unknown as ReturnType<typeof fakeBalancer>;
}

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (closers.length > 0) await closers.pop()?.();
});

async function scraper(registry: Registry) {
  const s = await startMetricsServer(registry);
  closers.push(s.close);
  return s;
}

describe('prometheusMetrics', () => {
  it('exports the seed metric names for a balancer, scraped over HTTP', async () => {
    const registry = new Registry();
    const m = prometheusMetrics({ registry });
    const lb = fakeBalancer(['10.0.0.1:8080', '10.0.0.2:8080']);
    m.observe(lb);
    lb.emit({ endpoint: '10.0.0.1:8080', durationMs: 20, success: true, status: 200 });
    lb.emit({ endpoint: '10.0.0.1:8080', durationMs: 40, success: true, status: 200 });
    lb.emit({ endpoint: '10.0.0.2:8080', durationMs: 3000, success: false, status: 503 });
    lb.emit({ endpoint: '10.0.0.2:8080', durationMs: 5, success: false, error: new Error('ECONNREFUSED') });
    lb.inFlight.set('10.0.0.1:8080', 3);
    const samples = await (await scraper(registry)).scrape();
    expect(valueOf(samples, 'lb_requests_total', { server: '10.0.0.1:8080', status: '200' })).toBe(2);
    expect(valueOf(samples, 'lb_requests_total', { server: '10.0.0.2:8080', status: '503' })).toBe(1);
    expect(valueOf(samples, 'lb_requests_total', { server: '10.0.0.2:8080', status: 'error' })).toBe(1);
    expect(valueOf(samples, 'lb_request_duration_seconds_count', { server: '10.0.0.1:8080' })).toBe(2);
    expect(valueOf(samples, 'lb_request_duration_seconds_sum', { server: '10.0.0.1:8080' })).toBeCloseTo(0.06);
    expect(valueOf(samples, 'lb_request_duration_seconds_bucket', { server: '10.0.0.2:8080', le: '2.5' })).toBe(1);
    expect(valueOf(samples, 'lb_request_duration_seconds_bucket', { server: '10.0.0.2:8080', le: '5' })).toBe(2);
    expect(valueOf(samples, 'lb_active_connections', { server: '10.0.0.1:8080' })).toBe(3);
    expect(valueOf(samples, 'lb_active_connections', { server: '10.0.0.2:8080' })).toBe(0);
  });

  it('reports breaker state 0/1/2/3 at scrape time', async () => {
    const registry = new Registry();
    const clock = new ManualClock();
    const breaker = circuitBreaker({ name: 'database', trip: consecutiveFailures(1), halfOpenAfterMs: 1000, clock });
    const m = prometheusMetrics({ registry });
    m.observe(breaker);
    const s = await scraper(registry);
    const state = async () => valueOf(await s.scrape(), 'circuit_breaker_state', { service: 'database' });
    expect(await state()).toBe(0);
    await expect(
      breaker.execute(() => {
        throw new Error('down');
      }),
    ).rejects.toThrow('down');
    expect(await state()).toBe(1);
    await expect(breaker.execute(() => 1)).rejects.toMatchObject({ code: 'BW_CIRCUIT_OPEN' });
    clock.advance(1000);
    let finishProbe = (): void => {};
    const probe = breaker.execute(
      () =>
        new Promise<void>((resolve) => {
          finishProbe = resolve;
        }),
    );
    expect(breaker.state).toBe('half-open');
    expect(await state()).toBe(2);
    finishProbe();
    await probe;
    const handle = breaker.isolate();
    expect(await state()).toBe(3);
    handle.release();
    const samples = await s.scrape();
    expect(valueOf(samples, 'circuit_breaker_state', { service: 'database' })).toBe(0);
    expect(valueOf(samples, 'circuit_breaker_calls_total', { service: 'database', result: 'failure' })).toBe(1);
    expect(valueOf(samples, 'circuit_breaker_calls_total', { service: 'database', result: 'success' })).toBe(1);
    expect(valueOf(samples, 'circuit_breaker_calls_total', { service: 'database', result: 'rejected' })).toBe(1);
    expect(
      valueOf(samples, 'circuit_breaker_transitions_total', { service: 'database', from: 'closed', to: 'open' }),
    ).toBe(1);
    breaker.dispose();
  });

  it('detach stops reporting and removes listeners; detach is idempotent', async () => {
    const registry = new Registry();
    const m = prometheusMetrics({ registry });
    const lb = fakeBalancer(['a:1']);
    const breaker = circuitBreaker({ name: 'svc' });
    const detachLb = m.observe(lb);
    const detachBreaker = m.observe(breaker);
    expect(lb.listeners()).toBe(1);
    detachLb();
    detachLb();
    detachBreaker();
    detachBreaker();
    expect(lb.listeners()).toBe(0);
    lb.emit({ endpoint: 'a:1', durationMs: 1, success: true, status: 200 });
    const samples = await (await scraper(registry)).scrape();
    expect(valueOf(samples, 'lb_requests_total')).toBeUndefined();
    expect(valueOf(samples, 'lb_active_connections')).toBeUndefined();
    expect(valueOf(samples, 'circuit_breaker_state')).toBeUndefined();
    breaker.dispose();
  });

  it('never puts credentials into labels', async () => {
    const registry = new Registry();
    const m = prometheusMetrics({ registry });
    const lb = fakeBalancer(['http://admin:hunter2@10.0.0.9:8080/?token=abc']);
    m.observe(lb);
    lb.emit({ endpoint: 'http://admin:hunter2@10.0.0.9:8080/?token=abc', durationMs: 1, success: true, status: 200 });
    const res = await (await scraper(registry)).raw();
    const text = await res.text();
    expect(text).toContain('server="http://10.0.0.9:8080"');
    expect(text).not.toMatch(/hunter2|admin|token/);
  });

  it('shares metrics between instances on one registry, applies a prefix, and serves the content type', async () => {
    const registry = new Registry();
    const a = prometheusMetrics({ registry, prefix: 'app_' });
    const b = prometheusMetrics({ registry, prefix: 'app_' });
    const lb1 = fakeBalancer(['x:1']);
    const lb2 = fakeBalancer(['x:1']);
    a.observe(lb1);
    b.observe(lb2);
    lb1.emit({ endpoint: 'x:1', durationMs: 1, success: true, status: 200 });
    lb2.emit({
      endpoint: 'x:1',
      durationMs: 1,
      success: false,
      error: Object.assign(new Error('t'), { code: 'BW_TIMEOUT' }),
    });
    const s = await scraper(registry);
    const res = await s.raw();
    expect(res.headers.get('content-type')).toContain('text/plain');
    const samples = await s.scrape();
    expect(valueOf(samples, 'app_lb_requests_total', { server: 'x:1', status: '200' })).toBe(1);
    expect(valueOf(samples, 'app_lb_requests_total', { server: 'x:1', status: 'timeout' })).toBe(1);
    expect(valueOf(samples, 'lb_requests_total')).toBeUndefined();
    expect((await fetch(s.url, { method: 'POST' })).status).toBe(405);
  });

  it('validates its options', () => {
    expect(() => prometheusMetrics({ prefix: 'bad-prefix' })).toThrow(ConfigError);
    expect(() => prometheusMetrics({ prefix: 'bad-prefix' })).toThrow(
      /prometheusMetrics.prefix: expected a metric-name prefix/,
    );
    expect(() => prometheusMetrics({ registry: {} as Registry })).toThrow(/prometheusMetrics.registry/);
    expect(() => prometheusMetrics({ buckets: [1, 0.5] })).toThrow(/prometheusMetrics.buckets/);
    expect(() => prometheusMetrics({ registry: new Registry() }).observe({} as LoadBalancer)).toThrow(/observe.source/);
  });
});
