import { circuitBreaker, consecutiveFailures } from '@breakwater/core';
import { createTestCertificates, spawnTlsRedisCluster, spawnTlsRedisServer, uniquePrefix } from '@breakwater/testkit';
import { Cluster, Redis } from 'ioredis';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import { runCliCaptured as cli } from './test-support/cli.js';
import { Harness, boom, ready, waitFor } from './test-support/harness.js';

const h = new Harness();
afterEach(() => h.closeAll());

describe('TLS (own redis-server processes with a throwaway CA)', () => {
  it('standalone over rediss:// with tls: { ca }: trips propagate; the CLI works with --tls-ca', async () => {
    const certs = createTestCertificates();
    onTestFinished(() => certs.remove());
    const { server, url } = await spawnTlsRedisServer(certs);
    onTestFinished(() => server.stop());
    const conn = (): Redis => {
      const r = new Redis(url, { tls: { ca: certs.ca }, maxRetriesPerRequest: 1 });
      r.on('error', () => undefined);
      h.onClose(() => r.quit().catch(() => r.disconnect()));
      return r;
    };
    const prefix = uniquePrefix('tls');
    const a = h.store({ redis: conn(), prefix, instanceId: 'A' });
    const b = h.store({ redis: conn(), prefix, instanceId: 'B' });
    await Promise.all([ready(a), ready(b)]);
    const ba = circuitBreaker({ name: 'secure', trip: consecutiveFailures(1), halfOpenAfterMs: 60_000, store: a });
    const bb = circuitBreaker({ name: 'secure', trip: consecutiveFailures(1), halfOpenAfterMs: 60_000, store: b });
    await ba.execute(boom).catch(() => undefined);
    await waitFor(() => bb.state === 'open', 2000, 'B open over TLS');
    const listed = await cli(['--url', url, '--tls-ca', certs.caFile, '--prefix', prefix, 'list']);
    expect(listed.code).toBe(0);
    expect(listed.out).toMatch(/secure\s+open/);
    expect(a.stats().errors + b.stats().errors).toBe(0);
  }, 30_000);

  it('Cluster over TLS: the store shares state across shards and `--cluster --url rediss://` keeps TLS for every node', async () => {
    const certs = createTestCertificates();
    onTestFinished(() => certs.remove());
    const cluster = await spawnTlsRedisCluster(certs, 3);
    onTestFinished(() => cluster.stop());
    const conn = (): Cluster => {
      const c = new Cluster(cluster.startup, {
        dnsLookup: (address, cb) => cb(null, address),
        redisOptions: { tls: { ca: certs.ca }, maxRetriesPerRequest: 1 },
      });
      c.on('error', () => undefined);
      h.onClose(() => c.quit().catch(() => c.disconnect()));
      return c;
    };
    const prefix = uniquePrefix('tlscl');
    const a = h.store({ redis: conn(), prefix, instanceId: 'A' });
    const b = h.store({ redis: conn(), prefix, instanceId: 'B' });
    await Promise.all([ready(a, 10_000), ready(b, 10_000)]);
    const names = ['alpha', 'bravo', 'charlie', 'delta'];
    const onA = names.map((name) =>
      circuitBreaker({ name, trip: consecutiveFailures(1), halfOpenAfterMs: 60_000, store: a }),
    );
    const onB = names.map((name) =>
      circuitBreaker({ name, trip: consecutiveFailures(1), halfOpenAfterMs: 60_000, store: b }),
    );
    for (const br of onA) await br.execute(boom).catch(() => undefined);
    await waitFor(() => onB.every((br) => br.state === 'open'), 3000, 'every shard propagated over TLS');
    const listed = await cli([
      '--cluster',
      '--url',
      `rediss://127.0.0.1:${cluster.startup[0]!.port}`,
      '--tls-ca',
      certs.caFile,
      '--prefix',
      prefix,
      'list',
    ]);
    expect(listed.code, listed.out).toBe(0);
    for (const n of names) expect(listed.out).toMatch(new RegExp(`${n}\\s+open`));
  }, 60_000);
});
