/**
 * API contract conformance: @breakwater/core active health checks (default HTTP GET url +
 * '/health') and locality (overprovisioning spill-over, currentRegion, regionChange).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ManualClock, loadBalancer, roundRobin, type Endpoint } from '@breakwater/core';
import { flush, seeded, ep, picks, counts } from './test-support/contract.js';

describe('healthCheck', () => {
  it("default check: HTTP GET url + '/health', 2xx = healthy; thresholds apply", async () => {
    const paths: string[] = [];
    let status = 200;
    const server = createServer((req, res) => {
      paths.push(req.url ?? '');
      res.statusCode = status;
      res.end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const clock = new ManualClock();
    const lb = loadBalancer({
      endpoints: [{ id: 'real', url }],
      strategy: roundRobin(),
      clock,
      // A check timeout far beyond what the loop below advances: only the 503s make it unhealthy.
      healthCheck: { intervalMs: 1_000, timeoutMs: 1e9, unhealthyThreshold: 2, healthyThreshold: 1, jitterMs: 0 },
    });
    const healthEvents: Array<Record<string, unknown>> = [];
    lb.on('health', (e) => healthEvents.push(e));
    // Real HTTP under a manual clock: advance in steps and give the socket real time between them.
    const until = async (cond: () => boolean): Promise<void> => {
      for (let i = 0; i < 500 && !cond(); i++) {
        clock.advance(1_000);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    try {
      await until(() => paths.length >= 1);
      expect(paths[0]).toBe('/health');
      expect(lb.endpoints()[0]!.healthy).toBe(true);
      status = 503;
      await until(() => healthEvents.length > 0);
      expect(healthEvents[0]).toMatchObject({ endpoint: 'real', healthy: false });
      expect(lb.endpoints()[0]!.healthy).toBe(false);
      expect(paths.every((p) => p === '/health')).toBe(true);
    } finally {
      await lb.close();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it('path option, custom check(endpoint, signal)', async () => {
    const clock = new ManualClock();
    const checked: Array<[string, boolean]> = [];
    const lb = loadBalancer({
      endpoints: [ep('a'), ep('b')],
      strategy: roundRobin(),
      clock,
      healthCheck: {
        intervalMs: 100,
        unhealthyThreshold: 1,
        healthyThreshold: 1,
        jitterMs: 0,
        check: async (e, signal) => {
          checked.push([e.id, signal instanceof AbortSignal]);
          return e.id === 'a';
        },
      },
    });
    clock.advance(0);
    await flush();
    clock.advance(100);
    await flush();
    expect(checked.length).toBeGreaterThanOrEqual(2);
    expect(checked.every(([, s]) => s)).toBe(true);
    expect(lb.endpoints().map((e) => [e.id, e.healthy])).toEqual([
      ['a', true],
      ['b', false],
    ]);
    expect(new Set(picks(lb, 10))).toEqual(new Set(['a']));
    await lb.close();
    expect(clock.pendingTimers()).toBe(0);
  });
});

describe('locality', () => {
  const regional = (): Endpoint[] => [
    ep('eu1', { region: 'eu' }),
    ep('eu2', { region: 'eu' }),
    ep('eu3', { region: 'eu' }),
    ep('eu4', { region: 'eu' }),
    ep('us1', { region: 'us' }),
    ep('us2', { region: 'us' }),
  ];

  async function withUnhealthy(ids: string[], locality: Parameters<typeof loadBalancer>[0]['locality']) {
    const clock = new ManualClock();
    const down = new Set(ids);
    const lb = loadBalancer({
      endpoints: regional(),
      strategy: roundRobin(),
      clock,
      random: seeded(3),
      locality,
      healthCheck: { intervalMs: 1_000, unhealthyThreshold: 1, healthyThreshold: 1, jitterMs: 0, check: async (e) => !down.has(e.id) },
    });
    clock.advance(0);
    await flush();
    clock.advance(1_000);
    await flush();
    return lb;
  }

  it('all traffic stays local while healthy share × 1.4 ≥ 1 (default overprovisioningFactor)', async () => {
    const lb = await withUnhealthy(['eu1'], { local: 'eu', order: ['eu', 'us'] }); // 75% × 1.4 = 1.05
    const c = counts(picks(lb, 300));
    expect(c['us1'] ?? 0).toBe(0);
    expect(c['us2'] ?? 0).toBe(0);
    expect(lb.currentRegion).toBe('eu');
    await lb.close();
  });

  it('below that the shortfall spills to the next region in order', async () => {
    const lb = await withUnhealthy(['eu1', 'eu2'], { local: 'eu', order: ['eu', 'us'] }); // 50% × 1.4 = 70% local
    const c = counts(picks(lb, 2_000));
    const us = (c['us1'] ?? 0) + (c['us2'] ?? 0);
    expect(us / 2_000).toBeGreaterThan(0.22);
    expect(us / 2_000).toBeLessThan(0.38);
    expect(lb.currentRegion).toBe('eu');
    await lb.close();
  });

  it('the first of `order` is the local region when `local` is not given', async () => {
    const lb = await withUnhealthy([], { order: ['us', 'eu'] });
    expect(new Set(picks(lb, 50))).toEqual(new Set(['us1', 'us2']));
    expect(lb.currentRegion).toBe('us');
    await lb.close();
  });

  it('overprovisioningFactor option', async () => {
    const lb = await withUnhealthy(['eu1', 'eu2'], { local: 'eu', order: ['eu', 'us'], overprovisioningFactor: 2 }); // 50% × 2 = 1
    const c = counts(picks(lb, 300));
    expect((c['us1'] ?? 0) + (c['us2'] ?? 0)).toBe(0);
    await lb.close();
  });

  it('a whole-region outage moves traffic and currentRegion, with a regionChange event', async () => {
    const clock = new ManualClock();
    let down = new Set<string>();
    const lb = loadBalancer({
      endpoints: regional(),
      strategy: roundRobin(),
      clock,
      random: seeded(3),
      locality: { local: 'eu', order: ['eu', 'us'], panicThreshold: 0 },
      healthCheck: { intervalMs: 1_000, unhealthyThreshold: 1, healthyThreshold: 1, jitterMs: 0, check: async (e) => !down.has(e.id) },
    });
    const changes: Array<Record<string, unknown>> = [];
    const off = lb.on('regionChange', (e) => changes.push(e));
    expect(lb.currentRegion).toBe('eu');
    down = new Set(['eu1', 'eu2', 'eu3', 'eu4']);
    clock.advance(0);
    await flush();
    clock.advance(1_000);
    await flush();
    expect(lb.currentRegion).toBe('us');
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ from: 'eu', to: 'us' });
    off();
    await lb.close();
  });

  it('regionChange when the local region fails (panic disabled)', async () => {
    const lb = await withUnhealthy(['eu1', 'eu2', 'eu3', 'eu4'], { local: 'eu', order: ['eu', 'us'], panicThreshold: 0 });
    expect(new Set(picks(lb, 50))).toEqual(new Set(['us1', 'us2']));
    expect(lb.currentRegion).toBe('us');
    await lb.close();
  });
});
