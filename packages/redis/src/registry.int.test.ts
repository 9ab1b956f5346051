import { afterEach, describe, expect, it } from 'vitest';
import { circuitBreaker } from '@breakwater/core';
import { spawnRedisCluster, uniquePrefix } from '@breakwater/testkit';
import { testRedisUrl } from '@breakwater/testkit/vitest';
import { registryKey } from './keys.js';
import type { RedisBreakerStore } from './store.js';
import { Harness, ready, waitFor } from './test-support/harness.js';
import type { Cluster, Redis } from './test-support/ioredis.js';

// The registry the CLI lists is written at every resync. A write that fails (here: the key holds
// a string, so ZADD answers WRONGTYPE) must be counted in stats().errors and retried soon — not
// left until the next periodic resync, which these stores put a minute away.
const h = new Harness();
afterEach(() => h.closeAll());

async function failedWriteIsCountedAndRetried(redis: Redis | Cluster, direct: Redis | Cluster): Promise<void> {
  const prefix = uniquePrefix('registry');
  const key = registryKey(prefix);
  await direct.set(key, 'not a sorted set');
  const store: RedisBreakerStore = h.store({ redis, prefix, resyncIntervalMs: 60_000, commandTimeoutMs: 1000 });
  await ready(store, 10_000);
  const errorsBefore = store.stats().errors;
  circuitBreaker({ name: 'alpha', store });
  await waitFor(() => store.stats().errors > errorsBefore, 5000, 'the failed registry write to be counted');
  expect(store.healthy).toBe(true); // a data error on one key is no connection trouble
  await direct.del(key);
  await waitFor(async () => (await direct.zscore(key, 'alpha')) !== null, 10_000, 'the registry write retried');
  expect(await direct.type(key)).toBe('zset');
}

describe('the breaker registry', () => {
  it('standalone: a failed pipelined registry write is counted and retried', async () => {
    const url = testRedisUrl();
    await failedWriteIsCountedAndRetried(h.redis(url), h.redis(url));
  }, 20_000);

  it('Redis Cluster (3 masters): a failed registry write is counted and retried', async () => {
    const cluster = await spawnRedisCluster(3);
    h.onClose(() => cluster.stop());
    await failedWriteIsCountedAndRetried(h.cluster(cluster.startup), h.cluster(cluster.startup));
  }, 60_000);
});
