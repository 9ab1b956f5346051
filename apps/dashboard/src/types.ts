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
  p99Ms?: number;
}

/** One gateway pod's view. */
export interface DashboardGateway {
  id: string;
  url: string;
  store: string;
  currentRegion?: string;
  /** endpoint id → breaker state on this pod. */
  breakers: Record<string, string>;
  endpoints: Array<{ id: string; region?: string; healthy: boolean; ejected: boolean; inFlight: number; ewmaMs: number; p99Ms?: number }>;
  up: boolean;
}

/** One point of the traffic history (per second or so). */
export interface TrafficPoint {
  t: number;
  total: number;
  errors: number;
  byRegion: Record<string, number>;
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
}

/** A chaos button press. */
export interface ChaosCommand {
  target: 'replica' | 'region';
  id: string;
  action: 'kill' | 'revive' | 'slow' | 'errors' | 'hang' | 'reset';
}
