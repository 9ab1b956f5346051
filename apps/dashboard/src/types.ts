/** One replica as the dashboard shows it. */
export interface DashboardReplica {
  id: string;
  region: string;
  /** Replica-reported chaos settings and counters; undefined when its admin port did not answer. */
  chaos?: { latencyMs: number; errorRate: number; down: boolean; hang: boolean };
  requests?: number;
  inFlight?: number;
  /** Merged gateway view: healthy per the health checks of every gateway. */
  healthy?: boolean;
  ejected?: boolean;
  /** Highest p99 the pods measured over their last 10 s of calls to it; absent when none called it lately. */
  p99Ms?: number;
  /** Age of the newest latency sample any pod has for it (ms): a large age marks the p99 as stale. */
  p99AgeMs?: number;
}

/** One gateway pod's view. */
export interface DashboardGateway {
  id: string;
  url: string;
  store: string;
  currentRegion?: string;
  /** endpoint id → breaker state on this pod. */
  breakers: Record<string, string>;
  endpoints: Array<{
    id: string;
    region?: string;
    healthy: boolean;
    ejected: boolean;
    inFlight: number;
    ewmaMs: number;
    p99Ms?: number;
    latencyAt?: number;
  }>;
  up: boolean;
}

/** One point of the traffic history (per second or so). */
export interface TrafficPoint {
  t: number;
  total: number;
  errors: number;
  byRegion: Record<string, number>;
  /** Client-side latency percentiles of the requests started in this second. */
  p50Ms?: number;
  p99Ms?: number;
}

/** One entry of the timeline: something that happened, when, where and why. */
export interface TimelineEvent {
  /** When it happened (ms since the epoch). */
  at: number;
  kind: 'breaker' | 'ejection' | 'health' | 'region' | 'store' | 'phase' | 'chaos';
  /** The gateway pod that reported it, when one did. */
  gateway?: string;
  /** What it is about: an endpoint id, a region, `redis`, a phase name. */
  subject: string;
  /** What happened, with the reason, e.g. `closed → open: 3 consecutive failures`. */
  text: string;
  severity: 'bad' | 'warn' | 'ok' | 'info';
}

/** What `/api/state` returns and the page renders. */
export interface DashboardState {
  title: string;
  phase?: string;
  regions: string[];
  replicas: DashboardReplica[];
  gateways: DashboardGateway[];
  traffic: TrafficPoint[];
  /** Client-visible error rate over the last few seconds, 0..1. */
  errorRate: number;
  notes?: string[];
  /** When the state was built (ms since the epoch): the right end of the time axis. */
  now?: number;
  /**
   * The most recent events, oldest first (breaker transitions, ejections, health, region and
   * store changes, phases, chaos).
   */
  events?: TimelineEvent[];
}

/** A chaos button press. */
export interface ChaosCommand {
  target: 'replica' | 'region';
  id: string;
  action: 'kill' | 'revive' | 'slow' | 'errors' | 'hang' | 'reset';
}
