// `@breakwater/testkit/vitest`: helpers that need a running vitest (inject, test hooks).
export { testRedisUrl } from './vitest-redis.js';
export { redirectingOrigins, testHttpServer } from './vitest-http.js';
export { countListeners, heldServerPair, openTcpSockets } from './vitest-held-pair.js';
export { describeSaturation, slowServer, type SaturationClient } from './vitest-saturation.js';
export { describeEndpointRemoval, type RemovalClient } from './vitest-endpoint-removal.js';
