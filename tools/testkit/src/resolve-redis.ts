import { hasRedisServerBinary, pingRedis, spawnRedisServer, type SpawnedRedis } from './redis-server.js';

/** How the test Redis was found. */
export interface ResolvedRedis {
  url: string;
  source: 'REDIS_URL' | 'local-6379' | 'spawned' | 'testcontainers';
  stop(): Promise<void>;
}

/**
 * Finds a real Redis for tests: `REDIS_URL` → 127.0.0.1:6379 if it answers → spawn `redis-server`
 * on a free port → testcontainers `redis:7-alpine` → a clear error.
 */
export async function resolveRedis(): Promise<ResolvedRedis> {
  const fromEnv = process.env['REDIS_URL'];
  if (fromEnv) return { url: fromEnv, source: 'REDIS_URL', stop: async () => undefined };
  if (await pingRedis('127.0.0.1', 6379, 500))
    return { url: 'redis://127.0.0.1:6379', source: 'local-6379', stop: async () => undefined };
  if (hasRedisServerBinary()) {
    const spawned: SpawnedRedis = await spawnRedisServer();
    return { url: spawned.url, source: 'spawned', stop: () => spawned.stop() };
  }
  try {
    const { RedisContainer } = await import('@testcontainers/redis');
    const container = await new RedisContainer('redis:7-alpine').start();
    return {
      url: container.getConnectionUrl(),
      source: 'testcontainers',
      stop: async () => {
        await container.stop();
      },
    };
  } catch (e) {
    throw new Error(
      'No Redis for tests: REDIS_URL is unset, nothing answers on 127.0.0.1:6379, `redis-server` is not on PATH, ' +
        `and testcontainers could not start redis:7-alpine (${e instanceof Error ? e.message : String(e)}). ` +
        'Install redis-server (apt-get install redis-server) or set REDIS_URL.',
    );
  }
}
