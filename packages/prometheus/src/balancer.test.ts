import { loadBalancer, ManualClock, TimeoutError } from '@breakwater/core';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { prometheusMetrics } from './index.js';
import { startMetricsServer, valueOf } from './test-support/scrape.js';

describe('prometheusMetrics with a real loadBalancer', () => {
  it('counts calls by server and status, observes durations, and reads in-flight calls at scrape time', async () => {
    const clock = new ManualClock();
    const lb = loadBalancer({
      name: 'api',
      endpoints: [{ id: 'a:80', url: 'http://127.0.0.1:1' }],
      clock,
      outlierDetection: { consecutiveFailures: 100 },
    });
    const registry = new Registry();
    const detach = prometheusMetrics({ registry }).observe(lb);
    const server = await startMetricsServer(registry);
    try {
      await lb.execute(() => {
        clock.advance(120);
        return { status: 200 };
      });
      await lb.execute(() => ({ status: 503 })).catch(() => undefined);
      await lb
        .execute(() => {
          throw new TimeoutError(10);
        })
        .catch(() => undefined);
      await lb
        .execute(() => {
          throw new Error('reset');
        })
        .catch(() => undefined);
      let release = (): void => {};
      const hanging = lb.execute(
        () =>
          new Promise<void>((resolve) => {
            release = resolve;
          }),
      );
      const samples = await server.scrape();
      expect(valueOf(samples, 'lb_requests_total', { server: 'a:80', status: '200' })).toBe(1);
      expect(valueOf(samples, 'lb_requests_total', { server: 'a:80', status: '503' })).toBe(1);
      expect(valueOf(samples, 'lb_requests_total', { server: 'a:80', status: 'timeout' })).toBe(1);
      expect(valueOf(samples, 'lb_requests_total', { server: 'a:80', status: 'error' })).toBe(1);
      expect(valueOf(samples, 'lb_request_duration_seconds_bucket', { server: 'a:80', le: '0.1' })).toBe(3);
      expect(valueOf(samples, 'lb_request_duration_seconds_bucket', { server: 'a:80', le: '0.25' })).toBe(4);
      expect(valueOf(samples, 'lb_active_connections', { server: 'a:80' })).toBe(1);
      release();
      await hanging;
      expect(valueOf(await server.scrape(), 'lb_active_connections', { server: 'a:80' })).toBe(0);
      // A cancelled attempt (here: the caller aborts) is labelled cancelled and is no latency sample.
      const ac = new AbortController();
      const cancelled = lb.execute(
        (_, ctx) => new Promise((_r, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason))),
        {
          signal: ac.signal,
        },
      );
      ac.abort();
      await cancelled.catch(() => undefined);
      await new Promise((r) => setImmediate(r));
      const after = await server.scrape();
      expect(valueOf(after, 'lb_requests_total', { server: 'a:80', status: 'cancelled' })).toBe(1);
      expect(valueOf(after, 'lb_request_duration_seconds_count', { server: 'a:80' })).toBe(5);
    } finally {
      detach();
      await server.close();
      await lb.close();
    }
  });
});
