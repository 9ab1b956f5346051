import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnRedisServer, uniquePrefix, type SpawnedRedis } from '@breakwater/testkit';
import { sleep, waitUntil } from './harness/load-loop.js';
import { startReplica, trip, type Replica } from './harness/redis-replica.js';
import { recordFigures } from './harness/results.js';
import { round } from './harness/latency.js';

let redis: SpawnedRedis;
beforeAll(async () => { redis = await spawnRedisServer(); });
afterAll(async () => { await redis?.stop(); });

/** Makes `n` local transitions (trip / reset alternately), ending open when `n` is odd. */
async function churn(r: Replica, name: string, n: number): Promise<void> {
  const br = r.breaker(name);
  for (let i = 0; i < n; i++) {
    if (br.state === 'open') br.reset();
    else await trip(br);
  }
}

describe('no split brain: a partitioned replica and the rest converge on the highest generation after healing', () => {
  const figures: Record<string, string | number> = {};
  afterAll(() => {
    recordFigures('40-redis-partition', {
      title: 'Partition and heal (2 replicas, B blackholed from Redis, then RST)',
      note: 'Both sides make transitions while partitioned; after the heal both must show the same state and generation, the highest either side reached.',
      rows: figures,
    });
  });

  for (const scenario of [
    { name: 'majority side ahead', transitionsA: 3, transitionsB: 1 },
    { name: 'partitioned side ahead', transitionsA: 1, transitionsB: 5 },
  ]) {
    it(scenario.name, async () => {
      const prefix = uniquePrefix('partition');
      const a = await startReplica({ id: 'A', redisPort: redis.port, prefix });
      const b = await startReplica({ id: 'B', redisPort: redis.port, prefix });
      try {
        const name = 'split';
        const ba = a.breaker(name);
        const bb = b.breaker(name);
        // Both attached and agreeing before the partition.
        await sleep(200);
        expect(ba.generation).toBe(bb.generation);
        const g0 = ba.generation;

        b.proxy.blackhole();
        await churn(a, name, scenario.transitionsA);
        await churn(b, name, scenario.transitionsB);
        // A sees its own transitions; B cannot have heard of them.
        expect(ba.generation).toBe(g0 + scenario.transitionsA);
        expect(bb.generation).toBe(g0 + scenario.transitionsB);
        await sleep(300);

        const healedAt = performance.now();
        b.proxy.resetAll();
        const converged = await waitUntil(() => ba.generation === bb.generation && ba.state === bb.state, 3000);
        const convergeMs = converged < 0 ? -1 : performance.now() - healedAt;
        const highest = g0 + Math.max(scenario.transitionsA, scenario.transitionsB);
        figures[`${scenario.name}: generations A/B before heal`] = `${g0 + scenario.transitionsA} / ${g0 + scenario.transitionsB}`;
        figures[`${scenario.name}: after heal A/B (state@generation)`] = `${ba.state}@${ba.generation} / ${bb.state}@${bb.generation}`;
        figures[`${scenario.name}: converged after (ms)`] = convergeMs < 0 ? 'not within 3 s' : round(convergeMs, 0);

        expect(convergeMs, 'replicas did not converge within 3 s').toBeGreaterThanOrEqual(0);
        expect(convergeMs).toBeLessThanOrEqual(1000);
        // Converging on the highest generation (never rolling back to a lower one), and staying there.
        expect(ba.generation).toBeGreaterThanOrEqual(highest);
        await sleep(500);
        expect([ba.state, ba.generation]).toEqual([bb.state, bb.generation]);
      } finally {
        await a.close();
        await b.close();
      }
    });
  }
});
