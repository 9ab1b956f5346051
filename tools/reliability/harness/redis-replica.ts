import { Redis, type RedisOptions } from 'ioredis';
import { circuitBreaker, consecutiveFailures, type CircuitBreaker } from '@breakwater/core';
import { RedisBreakerStore } from '@breakwater/redis';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.js';

/**
 * Connection options a production replica would use: reconnect fast (capped backoff), fail commands
 * instead of queueing them while offline, keep the ioredis defaults otherwise.
 */
export const replicaRedisOptions: RedisOptions = {
  retryStrategy: (times: number) => Math.min(times * 50, 200),
  maxRetriesPerRequest: 1,
  enableOfflineQueue: false,
};

/** One simulated service replica: its own TCP path to Redis (through a proxy), connection, store, breakers. */
export interface Replica {
  readonly id: string;
  readonly proxy: TcpProxy;
  readonly redis: Redis;
  readonly store: RedisBreakerStore;
  /** Reconnect attempts seen on the replica's own connection (`reconnecting` events). */
  readonly reconnects: number;
  /** Store errors reported through `onError`. */
  readonly storeErrors: unknown[];
  /** A breaker by name (created on first use, attached to the store). */
  breaker(name: string): CircuitBreaker;
  close(): Promise<void>;
}

/** Options for {@link startReplica}. */
export interface ReplicaOptions {
  id: string;
  redisPort: number;
  prefix: string;
  commandTimeoutMs?: number;
  /** Consecutive failures that trip a breaker (default 3). */
  tripAfter?: number;
  halfOpenAfterMs?: number;
  redisOptions?: RedisOptions;
}

/** Waits until an ioredis connection is ready. */
export function ready(redis: Redis, timeoutMs = 5000): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      redis.off('ready', onReady);
      reject(new Error(`redis not ready after ${timeoutMs}ms (status ${redis.status})`));
    }, timeoutMs);
    const onReady = (): void => {
      clearTimeout(t);
      resolve();
    };
    redis.once('ready', onReady);
  });
}

export async function startReplica(o: ReplicaOptions): Promise<Replica> {
  const proxy = await startTcpProxy(o.redisPort);
  const redis = new Redis({ host: '127.0.0.1', port: proxy.port, ...replicaRedisOptions, ...o.redisOptions });
  let reconnects = 0;
  redis.on('reconnecting', () => {
    reconnects += 1;
  });
  // ioredis emits 'error' on every failed reconnect; an unhandled 'error' would crash the host.
  redis.on('error', () => undefined);
  await ready(redis);
  const storeErrors: unknown[] = [];
  const store = new RedisBreakerStore({
    redis,
    prefix: o.prefix,
    instanceId: o.id,
    commandTimeoutMs: o.commandTimeoutMs ?? 250,
    onError: (e) => {
      if (storeErrors.length < 1000) storeErrors.push(e);
    },
  });
  const breakers = new Map<string, CircuitBreaker>();
  return {
    id: o.id,
    proxy,
    redis,
    store,
    get reconnects() {
      return reconnects;
    },
    storeErrors,
    breaker(name) {
      let b = breakers.get(name);
      if (b === undefined) {
        b = circuitBreaker({
          name,
          store,
          trip: consecutiveFailures(o.tripAfter ?? 3),
          halfOpenAfterMs: o.halfOpenAfterMs ?? 60_000,
        });
        breakers.set(name, b);
      }
      return b;
    },
    async close() {
      for (const b of breakers.values()) b.dispose();
      await store.close();
      redis.disconnect();
      await proxy.close();
    },
  };
}

/** Trips `breaker` by feeding it failures until it is open (local decision; publishing is the store's job). */
export async function trip(breaker: CircuitBreaker, max = 50): Promise<void> {
  for (let i = 0; i < max && breaker.state !== 'open'; i++) {
    await breaker
      .execute(() => {
        throw new Error('induced failure');
      })
      .catch(() => undefined);
  }
  if (breaker.state !== 'open')
    throw new Error(`breaker ${breaker.name} did not open after ${max} failures (state ${breaker.state})`);
}
