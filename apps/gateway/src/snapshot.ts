import { type CircuitBreaker } from '@breakwater/core';
import { redactUrl } from '@breakwater/core/internal';
import type { LatencyWindow } from './latency-window.js';
import type { Upstream } from './upstream.js';

/** One endpoint as `/state` reports it. */
export interface EndpointState {
  id: string;
  region: string | undefined;
  /** The configured URL with credentials (and secret-looking query values) masked. */
  url: string;
  healthy: boolean;
  ejected: boolean;
  inFlight: number;
  ewmaMs: number;
  /** p99 of this pod's calls to the endpoint over the last 10 s; undefined when there were none. */
  p99Ms: number | undefined;
  /** When this pod last measured a call to the endpoint (ms since the epoch). */
  latencyAt: number | undefined;
  breaker: string;
}

/** A gateway pod's state (`GET /state` and the `state` SSE event). */
export interface GatewaySnapshot {
  id: string;
  at: number;
  store: { kind: 'redis' | 'memory'; healthy: boolean };
  draining: boolean;
  currentRegion: string | undefined;
  regions: string[];
  requests: { total: number; errors: number; inFlight: number; byRegion: Record<string, number> };
  endpoints: EndpointState[];
  /** endpoint id → state of its breaker on this pod. */
  breakers: Record<string, string>;
  propagationProbe: string;
  l4: { port: number; active: number } | undefined;
}

/** The p99 in snapshots covers this much recent time. */
export const P99_WINDOW_MS = 10_000;

/** Builds a snapshot from live objects; cheap enough to run a few times a second. */
export function snapshot(o: {
  id: string;
  regions: string[];
  upstream: Upstream;
  latency: ReadonlyMap<string, LatencyWindow>;
  probe: CircuitBreaker;
  store: GatewaySnapshot['store'];
  draining: boolean;
  requests: GatewaySnapshot['requests'];
  l4: GatewaySnapshot['l4'];
}): GatewaySnapshot {
  const breakers: Record<string, string> = {};
  const endpoints = o.upstream.main.endpoints().map((e) => {
    const state = o.upstream.breakers.get(`${o.upstream.main.name}/${e.id}`)?.state ?? 'closed';
    breakers[e.id] = state;
    return {
      id: e.id,
      region: e.region,
      url: redactUrl(e.url),
      healthy: e.healthy,
      ejected: e.ejected,
      inFlight: e.inFlight,
      ewmaMs: Math.round(e.ewmaMs * 10) / 10,
      p99Ms: o.latency.get(e.id)?.quantile(0.99, P99_WINDOW_MS),
      latencyAt: o.latency.get(e.id)?.lastAt,
      breaker: state,
    };
  });
  return {
    id: o.id,
    at: Date.now(),
    store: o.store,
    draining: o.draining,
    currentRegion: o.upstream.main.currentRegion,
    regions: o.regions,
    requests: { ...o.requests, byRegion: { ...o.requests.byRegion } },
    endpoints,
    breakers,
    propagationProbe: o.probe.state,
    l4: o.l4,
  };
}
