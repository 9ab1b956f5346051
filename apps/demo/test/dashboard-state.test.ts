import { describe, expect, it } from 'vitest';
import type { Cluster } from '../src/cluster.js';
import { dashboardState } from '../src/dashboard-state.js';
import { LoadGenerator, type Sample } from '../src/loadgen.js';
import type { GatewayWatch } from '../src/watch.js';

describe('dashboardState', () => {
  it('marks a replica nobody called lately as stale (age of its newest sample); client p50/p99 per second', () => {
    const now = Date.now();
    const cluster = {
      replicas: [
        { id: 'eu-1', region: 'eu' },
        { id: 'us-1', region: 'us' },
      ],
      gateways: [{ id: 'gw-a', url: 'http://x' }],
    } as unknown as Cluster;
    const watch = {
      id: 'gw-a',
      events: [],
      regionEvents: [],
      close: () => undefined,
      latest: {
        at: now,
        store: { kind: 'memory', healthy: true },
        breakers: {},
        endpoints: [
          { id: 'eu-1', healthy: false, ejected: false, inFlight: 0, ewmaMs: 1, latencyAt: now - 8_000 },
          { id: 'us-1', healthy: true, ejected: false, inFlight: 0, ewmaMs: 1, p99Ms: 40, latencyAt: now - 100 },
        ],
      },
    } as unknown as GatewayWatch;
    const load = new LoadGenerator([], 1);
    const s = (t: number, ms: number): Sample => ({
      t,
      ms,
      ok: true,
      status: 200,
      region: 'us',
      gateway: 'gw-a',
      via: '/api/work',
    });
    const second = Math.floor((now - 5_000) / 1000) * 1000;
    load.samples.push(...Array.from({ length: 100 }, (_, i) => s(second + i, i + 1)));
    const state = dashboardState({
      cluster,
      regions: ['eu', 'us'],
      watches: [watch],
      replicaStats: new Map(),
      load,
      phase: 'x',
      notes: [],
      events: [],
    });
    const eu = state.replicas.find((r) => r.id === 'eu-1')!;
    expect(eu.p99Ms).toBeUndefined();
    expect(eu.p99AgeMs).toBeGreaterThanOrEqual(8_000);
    expect(state.replicas.find((r) => r.id === 'us-1')).toMatchObject({ p99Ms: 40 });
    expect(state.traffic.find((p) => p.t === second)).toMatchObject({ total: 100, p50Ms: 50, p99Ms: 99 });
    expect(state.now).toBeGreaterThanOrEqual(now);
  });
});
