import type {
  DashboardGateway,
  DashboardReplica,
  DashboardState,
  TimelineEvent,
  TrafficPoint,
} from '@breakwater/dashboard';
import type { Cluster } from './cluster.js';
import type { LoadGenerator } from './loadgen.js';
import { percentile } from './stats.js';
import type { GatewayWatch } from './watch.js';

interface EndpointSnap {
  id: string;
  region?: string;
  healthy: boolean;
  ejected: boolean;
  inFlight: number;
  ewmaMs: number;
  p99Ms?: number;
  latencyAt?: number;
}

/** Builds what the dashboard renders from the gateways' SSE state, replica stats and the load generator. */
export function dashboardState(o: {
  cluster: Cluster;
  regions: string[];
  watches: ReadonlyArray<GatewayWatch>;
  replicaStats: ReadonlyMap<string, Record<string, unknown> | undefined>;
  load: LoadGenerator;
  phase: string;
  notes: string[];
  events?: TimelineEvent[];
}): DashboardState {
  const gateways: DashboardGateway[] = o.cluster.gateways.map((g) => {
    const s = o.watches.find((w) => w.id === g.id)?.latest;
    const store = s?.['store'] as { kind: string; healthy: boolean } | undefined;
    return {
      id: g.id,
      url: g.url,
      up: s !== undefined && Date.now() - Number(s['at']) < 3_000,
      store: store ? `${store.kind}${store.healthy ? '' : ' (unreachable)'}` : '–',
      currentRegion: s?.['currentRegion'] as string | undefined,
      breakers: (s?.['breakers'] as Record<string, string> | undefined) ?? {},
      endpoints: (s?.['endpoints'] as EndpointSnap[] | undefined) ?? [],
    };
  });
  const replicas: DashboardReplica[] = o.cluster.replicas.map((r) => {
    const st = o.replicaStats.get(r.id);
    const views = gateways.flatMap((g) => g.endpoints.filter((e) => e.id === r.id));
    const p99s = views.map((v) => v.p99Ms).filter((v): v is number => typeof v === 'number');
    const lastAt = Math.max(...views.map((v) => (typeof v.latencyAt === 'number' ? v.latencyAt : -Infinity)));
    return {
      id: r.id,
      region: r.region,
      ...(st
        ? {
            chaos: st['chaos'] as DashboardReplica['chaos'],
            requests: st['requests'] as number,
            inFlight: st['inFlight'] as number,
          }
        : {}),
      ...(views.length ? { healthy: views.every((v) => v.healthy), ejected: views.some((v) => v.ejected) } : {}),
      ...(p99s.length ? { p99Ms: Math.max(...p99s) } : {}),
      ...(Number.isFinite(lastAt) ? { p99AgeMs: Math.max(0, Date.now() - lastAt) } : {}),
    };
  });
  const now = Date.now();
  const traffic: TrafficPoint[] = [];
  const recent = o.load.between(now - 60_000, now);
  for (let t = Math.floor((now - 60_000) / 1000) * 1000; t < now; t += 1000) {
    const bucket = recent.filter((s) => s.t >= t && s.t < t + 1000);
    if (bucket.length === 0) continue;
    const byRegion: Record<string, number> = {};
    for (const s of bucket) if (s.ok && s.region) byRegion[s.region] = (byRegion[s.region] ?? 0) + 1;
    const ms = bucket.map((s) => s.ms);
    traffic.push({
      t,
      total: bucket.length,
      errors: bucket.filter((s) => !s.ok).length,
      byRegion,
      p50Ms: percentile(ms, 0.5),
      p99Ms: percentile(ms, 0.99),
    });
  }
  const last5 = o.load.between(now - 5_000, now);
  return {
    title: 'Breakwater demo',
    phase: o.phase,
    regions: o.regions,
    replicas,
    gateways,
    traffic,
    errorRate: last5.length ? last5.filter((s) => !s.ok).length / last5.length : 0,
    notes: o.notes,
    now,
    events: o.events ?? [],
  };
}
