export { startGateway, type Gateway, type GatewayOptions } from './gateway.js';
export { createUpstream, defaultTuning, type Upstream, type UpstreamTuning } from './upstream.js';
export { gatewayFlags, parseGatewayArgs, parseReplicaList, type GatewayCliConfig, type FlagSpec } from './cli.js';
export { startL4Proxy, type L4Proxy } from './l4.js';
export { createBreakerStore, type SharedStore } from './store.js';
export type { GatewaySnapshot, EndpointState } from './snapshot.js';
export { viaFor, type Via } from './proxy.js';
