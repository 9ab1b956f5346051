import { Balancer } from './balancer.js';
import type { LoadBalancer, LoadBalancerOptions } from './types.js';

/**
 * A client-side load balancer (Envoy/Linkerd/nginx style): a strategy (default p2cEwma()) over
 * the endpoints that active health checks, passive outlier detection and per-endpoint breakers
 * allow, with region priority levels, backups and panic mode. Throws ConfigError on bad options.
 *
 * @example
 * const lb = loadBalancer({
 *   endpoints: [
 *     { id: 'a', url: 'http://10.0.0.1:8080' },
 *     { id: 'b', url: 'http://10.0.0.2:8080' },
 *   ],
 *   outlierDetection: { consecutiveFailures: 5 },
 * });
 * const res = await lb.execute((ep, ctx) => fetch(new URL('/users', ep.url), { signal: ctx.signal }));
 */
export function loadBalancer(o: LoadBalancerOptions): LoadBalancer {
  return new Balancer(o);
}
