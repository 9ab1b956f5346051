// Load balancing: strategies, the balancer, L7 routing, region helpers.
export { Balancer, type BalancerEvents } from './balancer.js';
export { loadBalancer } from './load-balancer.js';
export { router, type Route, type RouteRequest, type Router } from './router.js';
export { roundRobin } from './strategies/round-robin.js';
export { weightedRoundRobin } from './strategies/weighted-round-robin.js';
export { leastConnections, weightedLeastConnections } from './strategies/least-connections.js';
export { p2cEwma, type P2cEwmaOptions } from './strategies/p2c-ewma.js';
export { consistentHash, type ConsistentHashOptions } from './strategies/consistent-hash.js';
export { adaptive, type AdaptiveOptions } from './strategies/adaptive.js';
export { closestRegion, greatCircleKm, type GeoPoint } from './locality/closest-region.js';
export { priorityLoads } from './locality/priority-load.js';
export { hash32 } from './hash.js';
export type {
  Endpoint,
  EndpointView,
  LoadBalancer,
  LoadBalancerOptions,
  HealthEvent,
  EjectionEvent,
  RegionChangeEvent,
  RequestEvent,
  UpdateEvent,
  BreakerEvent,
  Strategy,
  Picker,
  StrategyEnv,
  LiveEndpoint,
  HealthCheckOptions,
  OutlierDetectionOptions,
  LocalityOptions,
  QueueOptions,
} from './types.js';
export { seededRandom } from './random.js';
