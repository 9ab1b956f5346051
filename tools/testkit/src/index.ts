export { freePort, uniquePrefix } from './ports.js';
export { spawnRedisServer, pingRedis, hasRedisServerBinary, type SpawnedRedis } from './redis-server.js';
export {
  spawnRedisCluster,
  spawnRedisSentinel,
  type SpawnedCluster,
  type SpawnedSentinel,
} from './redis-topologies.js';
export { resolveRedis, type ResolvedRedis } from './resolve-redis.js';
export { startTestHttpServer, type TestHttpServer, type TestHandler, type SeenRequest } from './http-server.js';
export { firstTryPerBody } from './http-handlers.js';
export { waitFor } from './wait.js';
export {
  createTestCertificates,
  spawnTlsRedisCluster,
  spawnTlsRedisServer,
  tlsServerArgs,
  type TestCertificates,
} from './tls.js';
export { deletePrefixedKeys, scanKeys, trackNewKeys } from './redis-keys.js';
// Seeded uniform [0, 1) generator for the balancer's `random` option (reproducible tests, simulations
// and benches). It lives in the core (its own tests use it) but is not public API.
export { seededRandom } from '@breakwater/core/internal';
export { writeMarkedSection } from './results-section.js';
