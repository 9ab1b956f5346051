import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { circuitBreaker, consecutiveFailures, type CircuitBreaker } from '@breakwater/core';
import { spawnRedisCluster, uniquePrefix } from '@breakwater/testkit';
import { runCli } from './cli/main.js';
import type { RedisBreakerStore } from './store.js';
import { Harness, boom, ready, waitFor } from './test-support/harness.js';

const h = new Harness();
let cluster: Awaited<ReturnType<typeof spawnRedisCluster>>;

beforeAll(async () => {
  cluster = await spawnRedisCluster(3);
}, 60_000);
afterAll(async () => {
  await h.closeAll();
  await cluster?.stop();
});

// A generous command timeout: these tests are about sharing across slots, not about slow Redis
// (a loaded CI machine must not turn into counted timeouts).
async function stores(n: number, prefix: string): Promise<RedisBreakerStore[]> {
  const list = Array.from({ length: n }, (_, i) =>
    h.store({ redis: h.cluster(cluster.startup), prefix, instanceId: `c${i}`, commandTimeoutMs: 1000 }),
  );
  await Promise.all(list.map((s) => ready(s, 10_000)));
  return list;
}

describe('Redis Cluster (3 masters)', () => {
  it('propagates trips across replicas for breakers on different slots', async () => {
    const prefix = uniquePrefix('cl');
    const [a, b] = await stores(2, prefix);
    const names = ['alpha', 'bravo', 'charlie', 'delta']; // hash tags spread over the masters
    const mk = (store: RedisBreakerStore, name: string) =>
      circuitBreaker({ name, trip: consecutiveFailures(1), halfOpenAfterMs: 5000, store });
    const onA = names.map((n) => mk(a!, n));
    const onB = names.map((n) => mk(b!, n));
    await waitFor(() => a!.stats().resyncs > 1 && b!.stats().resyncs > 1, 2000, 'new names read');
    for (const br of onA) await br.execute(boom).catch(() => undefined);
    await waitFor(() => onB.every((br) => br.state === 'open'), 2000, 'all open on B');
    expect(a!.stats().errors + b!.stats().errors).toBe(0);

    let out = '';
    const code = await runCli(
      ['--cluster', '--url', `redis://127.0.0.1:${cluster.nodes[0]!.port}`, '--prefix', prefix, 'list'],
      {},
      {
        out: (s) => {
          out += s;
        },
        err: (s) => {
          out += s;
        },
      },
    );
    expect(code).toBe(0);
    for (const n of names) expect(out).toMatch(new RegExp(`${n}\\s+open`));
  }, 30_000);

  it('one probe lease for the whole fleet', async () => {
    const ss = await stores(4, uniquePrefix('clprobe'));
    const bs: CircuitBreaker[] = ss.map((store) =>
      circuitBreaker({
        name: 'inventory',
        trip: consecutiveFailures(1),
        halfOpenAfterMs: 100,
        halfOpen: { probeTimeoutMs: 5000 },
        store,
      }),
    );
    await waitFor(() => ss.every((s) => s.stats().resyncs > 1), 2000, 'new names read');
    await bs[0]!.execute(boom).catch(() => undefined);
    await waitFor(() => bs.every((b) => b.state === 'open'), 2000, 'all open');
    let upstream = 0;
    let release!: (v: string) => void;
    const gate = new Promise<string>((r) => {
      release = r;
    });
    const end = Date.now() + 400;
    while (Date.now() < end) {
      for (const b of bs)
        void b
          .execute(() => {
            upstream += 1;
            return gate;
          })
          .catch(() => undefined);
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(upstream).toBe(1);
    release('ok');
    await waitFor(() => bs.every((b) => b.state === 'closed'), 2000, 'all closed');
  }, 30_000);
});
