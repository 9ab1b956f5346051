import { afterEach, describe, expect, it } from 'vitest';
import { circuitBreaker, consecutiveFailures, type CircuitBreaker } from '@breakwater/core';
import { spawnRedisCluster, spawnRedisSentinel, uniquePrefix } from '@breakwater/testkit';
import { breakerKeys } from './keys.js';
import type { RedisBreakerStore } from './store.js';
import { Harness, boom, ready, waitFor } from './test-support/harness.js';

const h = new Harness();
afterEach(() => h.closeAll());
const mk = (store: RedisBreakerStore, name: string): CircuitBreaker =>
  circuitBreaker({ name, trip: consecutiveFailures(1), halfOpenAfterMs: 30_000, store });

/** Trips `name` on `a` and resolves with how long `b` took to open. */
async function propagate(a: CircuitBreaker, b: CircuitBreaker, timeoutMs: number, what: string): Promise<number> {
  await a.execute(boom).catch(() => undefined);
  return waitFor(() => b.state === 'open', timeoutMs, what);
}

describe('a hung (SIGSTOP) node does not stop sharing', () => {
  it('Cluster: a frozen master stops neither the other shards nor, after failover, its own (≤ 2 s)', async () => {
    const cluster = await spawnRedisCluster(3, { replicas: 1, nodeTimeoutMs: 1000 });
    h.onClose(() => cluster.stop());
    const prefix = uniquePrefix('hungcl');
    const conn = h.cluster(cluster.startup);
    const slotOf = async (name: string): Promise<number> =>
      Number(await conn.cluster('KEYSLOT', breakerKeys(prefix, name).state));
    const names = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel'];
    const slots = await Promise.all(names.map(slotOf));
    const frozenPort = cluster.masterOf(slots[0]!)!;
    const other = names.find((_, i) => cluster.masterOf(slots[i]!) !== frozenPort)!;
    const [a, b] = ['A', 'B'].map((instanceId) => h.store({ redis: h.cluster(cluster.startup), prefix, instanceId }));
    const [xa, xb, ya, yb] = [mk(a!, names[0]!), mk(b!, names[0]!), mk(a!, other), mk(b!, other)];
    await Promise.all([ready(a!, 10_000), ready(b!, 10_000)]);

    const frozen = cluster.nodes.find((n) => n.port === frozenPort)!;
    frozen.pause();
    h.onClose(() => frozen.resume());
    // Breakers on the healthy shards keep sharing while the frozen one fails over.
    await xa.execute(boom).catch(() => undefined); // its write hangs on the frozen master
    // Within the version check's bound even if B's pub/sub connection sits on the frozen node.
    expect(await propagate(ya, yb, 2500, 'other shard propagates during the hang')).toBeLessThan(2500);
    await waitFor(() => cluster.masterOf(slots[0]!) !== frozenPort, 10_000, 'cluster failover');
    const failedOverAt = Date.now();
    await waitFor(() => xb.state === 'open', 2000, 'the trip made during the hang reaches B after failover');
    expect(Date.now() - failedOverAt).toBeLessThanOrEqual(2000);
    xa.reset();
    await waitFor(() => xb.state === 'closed', 2000, 'reset after failover');
  }, 40_000);

  it('Sentinel: a frozen master; propagation works again ≤ 2 s after the sentinels switched', async () => {
    const sentinel = await spawnRedisSentinel({ replicas: 1, downAfterMs: 1000 });
    h.onClose(() => sentinel.stop());
    const prefix = uniquePrefix('hungsn');
    const [a, b] = ['A', 'B'].map((instanceId) =>
      h.store({ redis: h.sentinel(sentinel.sentinelAddrs, sentinel.name), prefix, instanceId }),
    );
    const [xa, xb] = [mk(a!, 'orders'), mk(b!, 'orders')];
    await Promise.all([ready(a!, 10_000), ready(b!, 10_000)]);
    await propagate(xa, xb, 1000, 'propagation before the hang');
    xa.reset();
    await waitFor(() => xb.state === 'closed', 1000, 'closed before the hang');

    const old = sentinel.master;
    old.pause();
    h.onClose(() => old.resume());
    await waitFor(() => sentinel.masterPort() !== old.port, 10_000, 'sentinel failover');
    const switchedAt = Date.now();
    await waitFor(() => a!.healthy && b!.healthy, 2000, 'stores healthy on the new master');
    await propagate(xa, xb, 2000 - (Date.now() - switchedAt), 'propagation after failover');
    expect(Date.now() - switchedAt).toBeLessThanOrEqual(2000);
  }, 40_000);
});
