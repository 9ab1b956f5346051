import type { AttemptContext, ExecuteOptions, Policy } from '../policy.js';

/** One upstream server. */
export interface Endpoint {
  id: string;
  /** Base URL, e.g. `http://10.0.0.1:8080`. Adapters resolve relative request URLs against it. */
  url: string;
  /** Default 1. */
  weight?: number;
  region?: string;
  zone?: string;
  /** Never more than this many calls in flight to the endpoint; saturated endpoints are skipped. */
  maxConnections?: number;
  /** Used only when no primary endpoint is healthy (nginx `backup`). */
  backup?: boolean;
  metadata?: Record<string, unknown>;
}

/** An endpoint with its live state, as `LoadBalancer.endpoints()` reports it. */
export type EndpointView = Endpoint & { healthy: boolean; ejected: boolean; inFlight: number; ewmaMs: number };

/** A balancer's event payloads. */
export interface HealthEvent { endpoint: string; healthy: boolean; reason: string; at: number }
export interface EjectionEvent { endpoint: string; ejected: boolean; untilMs?: number; count?: number; reason: string; at: number }
export interface RegionChangeEvent { from: string | undefined; to: string | undefined; reason: string; at: number }

export interface LoadBalancer {
  readonly name: string;
  /** Throws NoHealthyEndpointError. */
  pick(o?: { key?: string }): Endpoint;
  execute<T>(fn: (endpoint: Endpoint, ctx: AttemptContext) => T | PromiseLike<T>, opts?: ExecuteOptions): Promise<T>;
  asPolicy(): Policy;
  endpoints(): ReadonlyArray<EndpointView>;
  update(endpoints: Endpoint[]): void;
  readonly currentRegion: string | undefined;
  on(event: 'health' | 'ejection' | 'regionChange', fn: (e: Record<string, unknown>) => void): () => void;
  drain(o?: { timeoutMs?: number }): Promise<void>;
  close(): Promise<void>;
}
