import { cpSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { circuitBreaker, consecutiveFailures, ConfigError, ManualClock } from '@breakwater/core';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prometheusMetrics, type RegistryLike } from './index.js';

// Issue 16.10: a Registry from a second installed copy of prom-client (instanceof fails across copies).
const require = createRequire(import.meta.url);
const original = dirname(require.resolve('prom-client/package.json'));
// A sibling in the same node_modules, so the copy's own dependencies resolve; removed afterwards.
const copyDir = join(dirname(original), `.prom-client-second-copy-${process.pid}`);

describe('prometheusMetrics({ registry }) from another copy of prom-client', () => {
  let SecondRegistry: typeof Registry;
  beforeAll(() => {
    cpSync(original, copyDir, { recursive: true });
    SecondRegistry = (require(copyDir) as { Registry: typeof Registry }).Registry;
  });
  afterAll(() => {
    rmSync(copyDir, { recursive: true, force: true });
  });

  it('accepts it and records metrics into it', async () => {
    const registry = new SecondRegistry();
    expect(registry instanceof Registry).toBe(false);
    const m = prometheusMetrics({ registry });
    const clock = new ManualClock();
    const breaker = circuitBreaker({ name: 'copy', trip: consecutiveFailures(1), clock });
    const off = m.observe(breaker);
    await breaker
      .execute(() => {
        throw new Error('x');
      })
      .catch(() => undefined);
    const text = await registry.metrics();
    expect(text).toContain('circuit_breaker_state{service="copy"} 1');
    expect(text).toContain('circuit_breaker_calls_total{service="copy",result="failure"} 1');
    off();
  });

  it('accepts a minimal registry-shaped object that records metrics', async () => {
    const metrics = new Map<
      string,
      { name: string; get(): Promise<{ values: Array<{ labels: Record<string, string | number>; value: number }> }> }
    >();
    const fake: RegistryLike = {
      contentType: 'text/plain; version=0.0.4; charset=utf-8',
      registerMetric: (metric) => {
        metrics.set((metric as unknown as { name: string }).name, metric as never);
      },
      getSingleMetric: (name) => metrics.get(name) as never,
      removeSingleMetric: (name) => {
        metrics.delete(name);
      },
      metrics: async () => {
        const lines: string[] = [];
        for (const m of metrics.values()) {
          for (const v of (await m.get()).values) lines.push(`${m.name}${JSON.stringify(v.labels)} ${v.value}`);
        }
        return lines.join('\n');
      },
    };
    const m = prometheusMetrics({ registry: fake, prefix: 'fake_' });
    const breaker = circuitBreaker({ name: 'svc', clock: new ManualClock() });
    m.observe(breaker);
    await breaker.execute(() => 'ok');
    const text = await fake.metrics();
    expect(text).toContain('fake_circuit_breaker_calls_total{"service":"svc","result":"success"} 1');
    expect(text).toContain('fake_circuit_breaker_state{"service":"svc"} 0');
  });

  it('rejects something that is not registry-like with a ConfigError naming what is missing', () => {
    let error: unknown;
    try {
      prometheusMetrics({ registry: { metrics: () => Promise.resolve('') } as never });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).path).toBe('prometheusMetrics.registry');
    expect((error as ConfigError).message).toContain('registerMetric()');
    expect((error as ConfigError).message).toContain('missing registerMetric, getSingleMetric, removeSingleMetric');
  });
});
