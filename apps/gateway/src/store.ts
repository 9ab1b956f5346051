import { Redis } from 'ioredis';
import { memoryBreakerStore, type BreakerStore } from '@breakwater/core';
import { RedisBreakerStore } from '@breakwater/redis';
import type { Logger } from 'pino';

/** The breaker store a gateway process uses, and how to release it. */
export interface SharedStore {
  store: BreakerStore;
  kind: 'redis' | 'memory';
  healthy(): boolean;
  close(): Promise<void>;
}

/**
 * Redis when a URL is given (breaker state shared with every pod on that Redis), else an
 * in-memory store shared by the pods of this process only.
 */
export function createBreakerStore(o: {
  redisUrl: string | undefined;
  prefix: string;
  /** The store's `secret` (BW_REDIS_SECRET): records and messages without its MAC are refused. */
  secret?: readonly string[] | undefined;
  instanceId: string;
  logger: Logger;
}): SharedStore {
  if (o.redisUrl === undefined) {
    const store = memoryBreakerStore();
    return { store, kind: 'memory', healthy: () => true, close: () => store.close() };
  }
  // Fail fast instead of queueing while Redis is away: breakers keep working locally meanwhile.
  const redis = new Redis(o.redisUrl, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    lazyConnect: false,
  });
  redis.on('error', (e: Error) => o.logger.warn({ event: 'redis-error', error: e.message }, 'redis error'));
  const store = new RedisBreakerStore({
    redis,
    prefix: o.prefix,
    instanceId: o.instanceId,
    ...(o.secret === undefined ? {} : { secret: o.secret }),
    onError: (e: unknown) =>
      o.logger.warn({ event: 'store-error', error: e instanceof Error ? e.message : String(e) }, 'breaker store error'),
  });
  return {
    store,
    kind: 'redis',
    healthy: () => store.healthy,
    async close() {
      await store.close();
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
