import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnRedisServer, uniquePrefix, type SpawnedRedis } from '@breakwater/testkit';
import type { CircuitBreaker } from '@breakwater/core';
import { sleep, waitUntil } from './harness/load-loop.js';
import { startReplica, trip, type Replica } from './harness/redis-replica.js';
import { recordFigures } from './harness/results.js';
import { round } from './harness/latency.js';

let redis: SpawnedRedis;
beforeAll(async () => {
  redis = await spawnRedisServer();
});
afterAll(async () => {
  await redis?.stop();
});

/**
 * The fleet generation a breaker follows (`metrics().generation`); `breaker.generation` is the
 * instance's own transition counter, which also counts local-only steps.
 */
const fleetGen = (br: CircuitBreaker): number => (br.metrics() as { generation?: number }).generation ?? br.generation;

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
        expect(fleetGen(ba)).toBe(fleetGen(bb));
        const g0 = fleetGen(ba);

        b.proxy.blackhole();
        await churn(a, name, scenario.transitionsA);
        await churn(b, name, scenario.transitionsB);
        // A sees its own transitions; B cannot have heard of them.
        expect(fleetGen(ba)).toBe(g0 + scenario.transitionsA);
        expect(fleetGen(bb)).toBe(g0 + scenario.transitionsB);
        await sleep(300);

        const healedAt = performance.now();
        b.proxy.resetAll();
        const converged = await waitUntil(() => fleetGen(ba) === fleetGen(bb) && ba.state === bb.state, 3000);
        const convergeMs = converged < 0 ? -1 : performance.now() - healedAt;
        const highest = g0 + Math.max(scenario.transitionsA, scenario.transitionsB);
        figures[`${scenario.name}: generations A/B before heal`] =
          `${g0 + scenario.transitionsA} / ${g0 + scenario.transitionsB}`;
        figures[`${scenario.name}: after heal A/B (state@generation)`] =
          `${ba.state}@${fleetGen(ba)} / ${bb.state}@${fleetGen(bb)}`;
        figures[`${scenario.name}: converged after (ms)`] = convergeMs < 0 ? 'not within 3 s' : round(convergeMs, 0);

        expect(convergeMs, 'replicas did not converge within 3 s').toBeGreaterThanOrEqual(0);
        expect(convergeMs).toBeLessThanOrEqual(1000);
        // Converging on the highest generation (never rolling back to a lower one), and staying there.
        expect(fleetGen(ba)).toBeGreaterThanOrEqual(highest);
        await sleep(500);
        expect([ba.state, fleetGen(ba)]).toEqual([bb.state, fleetGen(bb)]);
      } finally {
        await a.close();
        await b.close();
      }
    });
  }
});
