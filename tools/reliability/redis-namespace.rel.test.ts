import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnRedisServer, uniquePrefix, type SpawnedRedis } from '@breakwater/testkit';
import { sleep, waitUntil } from './harness/load-loop.js';
import { clientNames, globToRegExp, startMonitor } from './harness/redis-monitor.js';
import { startReplica, trip, type Replica } from './harness/redis-replica.js';
import { recordFigures } from './harness/results.js';

let redis: SpawnedRedis;
let admin: Redis;
beforeAll(async () => {
  redis = await spawnRedisServer();
  admin = new Redis({ host: '127.0.0.1', port: redis.port });
  admin.on('error', () => undefined);
});
afterAll(async () => {
  admin?.disconnect();
  await redis?.stop();
});

describe('security: Redis keys and channels are namespaced by prefix', () => {
  it('a store with prefix A never reads or acts on prefix B data, even when B = A + "2"', async () => {
    const base = uniquePrefix('ns');
    // B's prefix extends A's on purpose: a store matching `${prefix}*` would wander into B's keys.
    const pA = `${base}:t`;
    const pB = `${base}:t2`;
    const monitor = await startMonitor(redis.port);
    const mk = (id: string, prefix: string): Promise<Replica> =>
      startReplica({ id, redisPort: redis.port, prefix, redisOptions: { connectionName: `bwns-${id}` } });
    const a1 = await mk('A1', pA);
    const a2 = await mk('A2', pA);
    const b1 = await mk('B1', pB);
    const replicas = [a1, a2, b1];
    try {
      const name = 'same-name';
      const [x1, x2, y1] = [a1.breaker(name), a2.breaker(name), b1.breaker(name)];
      await sleep(200);

      await trip(x1);
      const seenByA2 = await waitUntil(() => x2.state === 'open', 2000);
      await sleep(300);
      expect(seenByA2, "positive control: A2 must adopt A1's trip").toBeGreaterThanOrEqual(0);
      expect(y1.state, "B1 must ignore A's trip").toBe('closed');

      x1.reset();
      await waitUntil(() => x2.state === 'closed', 2000);
      await trip(y1);
      await sleep(500);
      expect([x1.state, x2.state]).toEqual(['closed', 'closed']);
      y1.reset();
      x1.isolate();
      await sleep(300);
      expect(y1.state, "B1 must ignore A's fleet-wide isolation").toBe('closed');

      // Every key and channel carries one of the two prefixes.
      const keys = (await admin.keys('*')) as string[];
      const channels = (await admin.call('PUBSUB', 'CHANNELS', '*')) as string[];
      const foreignKeys = keys.filter((k) => !k.includes(pA));
      const foreignChannels = channels.filter((c) => !c.includes(pA));
      // pB contains pA, so "includes pA" covers both; what matters is the split below.
      expect(foreignKeys).toEqual([]);
      expect(foreignChannels).toEqual([]);

      // Attribute every command to its replica and check it only touches its own prefix.
      const names = await clientNames(admin);
      const aKeyOfB = keys.find((k) => k.includes(pB)) ?? `${pB}:probe`;
      const violations: string[] = [];
      let countedA = 0;
      let countedB = 0;
      for (const c of monitor.commands) {
        const owner = names.get(c.source) ?? '';
        const text = c.args.join(' ');
        if (owner.startsWith('bwns-B')) {
          countedB += 1;
          // Any mention of pA in a B command must be part of pB.
          if (text.replaceAll(pB, '').includes(pA)) violations.push(`B: ${text.slice(0, 200)}`);
        } else if (owner.startsWith('bwns-A')) {
          countedA += 1;
          if (text.includes(pB)) violations.push(`A: ${text.slice(0, 200)}`);
          for (const arg of c.args) {
            if (/[*?[]/.test(arg) && arg.includes(pA) && globToRegExp(arg).test(aKeyOfB))
              violations.push(`A pattern ${arg} matches B's key ${aKeyOfB}`);
          }
        }
      }
      recordFigures('85-redis-namespace', {
        title: 'Security: Redis prefix isolation (prefix B = prefix A + "2")',
        rows: {
          'keys / channels seen': `${keys.length} / ${channels.length}`,
          'commands from A / B replicas checked (MONITOR)': `${countedA} / ${countedB}`,
          'cross-prefix reads or writes': violations.length,
        },
      });
      expect(countedA).toBeGreaterThan(0);
      expect(countedB).toBeGreaterThan(0);
      expect(violations).toEqual([]);
    } finally {
      await monitor.stop();
      for (const r of replicas) await r.close();
    }
  });
});
