export { freePort, uniquePrefix } from './ports.js';
export { spawnRedisServer, spawnRedisCluster, pingRedis, hasRedisServerBinary, type SpawnedRedis } from './redis-server.js';
export { resolveRedis, type ResolvedRedis } from './resolve-redis.js';
export { startTestHttpServer, type TestHttpServer, type TestHandler, type SeenRequest } from './http-server.js';
export { firstTryPerBody } from './http-handlers.js';
export { waitFor } from './wait.js';
export { createTestCertificates, spawnTlsRedisCluster, type TestCertificates } from './tls.js';
export { deletePrefixedKeys, scanKeys, trackNewKeys } from './redis-keys.js';
