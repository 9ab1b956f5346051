// In the kernel because AttemptContext.endpoint (policy.ts) names it: the balancer, a layer above,
// re-exports it from balancing/types.ts.

/** One upstream server. */
export interface Endpoint {
  id: string;
  /** Base URL, e.g. `http://10.0.0.1:8080`. Adapters resolve relative request URLs against it. */
  url: string;
  /** Default 1. */
  weight?: number;
  region?: string;
  zone?: string;
  /**
   * Concurrency cap of the endpoint, like a connection pool's size: never more than this many calls
   * in flight to it. A saturated endpoint is skipped; when every candidate is saturated, calls wait
   * in the balancer's queue (`LoadBalancerOptions.queue`). Default: no cap.
   */
  maxConnections?: number;
  /** Used only when no primary endpoint is healthy (nginx `backup`). */
  backup?: boolean;
  metadata?: Record<string, unknown>;
}
