import {
  bulkhead,
  constantBackoff,
  fallback,
  hedge,
  ManualClock,
  pipeline,
  rateLimit,
  retry,
  timeout,
} from '@breakwater/core';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { prometheusMetrics } from './index.js';

// Issue 13.4: prometheus maps the policies' own events.
const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

async function counts(registry: Registry): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === 'breakwater_policy_events_total');
  for (const v of (metric?.values ?? []) as Array<{ labels: Record<string, string>; value: number }>)
    out[`${v.labels['policy']}/${v.labels['event']}`] = v.value;
  return out;
}

describe('prometheusMetrics().observe(policy)', () => {
  it('counts what each policy of a pipeline did, by policy name and event', async () => {
    const registry = new Registry();
    const m = prometheusMetrics({ registry });
    const clock = new ManualClock();
    const policy = pipeline(
      fallback(() => 'fb'),
      retry({ maxAttempts: 2, backoff: constantBackoff(0), clock }),
      timeout(50, { clock }),
    );
    const off = m.observe(policy, { name: 'payments' });
    const call = policy.execute(() => new Promise(() => {}));
    await flush();
    clock.advance(50);
    await flush();
    clock.advance(50);
    await expect(call).resolves.toBe('fb');
    expect(await counts(registry)).toEqual({
      'payments/timeout': 2,
      'payments/retry': 1,
      'payments/give_up': 1,
      'payments/fallback': 1,
    });
    off();
    off();
    await policy.execute(() => {
      throw new Error('x');
    });
    expect((await counts(registry))['payments/fallback']).toBe(1);
  });

  it('tells bulkhead and rate-limit rejections apart; hedges and winners', async () => {
    const registry = new Registry();
    const m = prometheusMetrics({ registry });
    const clock = new ManualClock();
    const b = bulkhead({ maxConcurrent: 1 });
    const rl = rateLimit({ perSecond: 1, clock });
    const h = hedge({ delayMs: 10, clock });
    m.observe(b);
    m.observe(rl);
    m.observe(h, { name: 'search' });
    const hold = b.execute(() => new Promise<void>((r) => setImmediate(r)));
    await b.execute(() => 1).catch(() => undefined);
    await hold;
    await rl.execute(() => 1);
    await rl.execute(() => 1).catch(() => undefined);
    const resolvers: Array<() => void> = [];
    const hedged = h.execute(
      (ctx) =>
        new Promise<number>((r) => {
          resolvers[ctx.attempt] = () => r(ctx.attempt);
        }),
    );
    clock.advance(10);
    resolvers[0]!();
    await hedged;
    expect(await counts(registry)).toEqual({
      'default/bulkhead_rejected': 1,
      'default/rate_limited': 1,
      'search/hedge': 1,
      'search/hedge_winner': 1,
    });
  });

  it('rejects a source with no events', () => {
    expect(() =>
      prometheusMetrics({ registry: new Registry() }).observe({ execute: () => Promise.resolve(1) } as never),
    ).toThrow(/observe.source/);
  });
});
