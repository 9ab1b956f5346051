import { RedisBreakerStore } from '@breakwater/redis';
import { uniquePrefix, waitFor } from '@breakwater/testkit';
import { testRedisUrl } from '@breakwater/testkit/vitest';
import { Redis } from 'ioredis';
import { describe, expect, it, onTestFinished } from 'vitest';
import { buildFromConfig, loadConfig, storeFromConfig } from './index.js';

const text = `
load_balancer:
  servers:
    - url: "http://127.0.0.1:9"
redis:
  url: \${REDIS_URL}
  prefix: \${BW_PREFIX}
  command_timeout: 200ms
`;

describe('storeFromConfig: the redis section becomes a RedisBreakerStore (real Redis)', () => {
  it('connects with the interpolated URL and shares breaker state under the configured prefix', async () => {
    const prefix = uniquePrefix('cfgstore');
    const admin = new Redis(testRedisUrl());
    onTestFinished(async () => {
      const keys = await admin.keys(`*${prefix}*`);
      if (keys.length > 0) await admin.del(...keys);
      await admin.quit();
    });
    const config = loadConfig({ text }, { env: { REDIS_URL: testRedisUrl(), BW_PREFIX: prefix } });
    const redis = await storeFromConfig(config);
    expect(redis).toBeDefined();
    const built = buildFromConfig(config, { store: redis!.store });
    onTestFinished(async () => {
      await built.close();
      await redis!.close();
    });
    const store = redis!.store;
    expect(store).toBeInstanceOf(RedisBreakerStore);
    await waitFor(() => (store as RedisBreakerStore).healthy);
    const handle = built.breakerFor('payments').isolate();
    let keys: string[] = [];
    for (let i = 0; i < 100 && keys.length === 0; i++) {
      keys = await admin.keys(`*${prefix}*payments*`);
      if (keys.length === 0) await new Promise((r) => setTimeout(r, 20));
    }
    expect(keys.length).toBeGreaterThan(0);
    handle.release();
  });

  it('passes redis.secret (from ${BW_REDIS_SECRET}) to the store: replicas with the key share a trip, records are signed, a store without it is refused', async () => {
    const prefix = uniquePrefix('cfgsecret');
    const admin = new Redis(testRedisUrl());
    onTestFinished(async () => {
      const keys = await admin.keys(`*${prefix}*`);
      if (keys.length > 0) await admin.del(...keys);
      await admin.quit();
    });
    const signed = `${text}  secret: \${BW_REDIS_SECRET}\n`;
    const env = { REDIS_URL: testRedisUrl(), BW_PREFIX: prefix, BW_REDIS_SECRET: 'cfg-test-secret-0123456789abcdef' };
    const replicas = await Promise.all(
      [signed, signed, text].map((t) => storeFromConfig(loadConfig({ text: t }, { env }))),
    );
    const [a, b, unsigned] = replicas.map((r) =>
      buildFromConfig(loadConfig({ text: signed }, { env }), { store: r!.store }),
    );
    onTestFinished(async () => {
      for (const built of [a, b, unsigned]) await built!.close();
      for (const r of replicas) await r!.close();
    });
    for (const r of replicas) await waitFor(() => (r!.store as RedisBreakerStore).healthy);
    const [pa, pb, pu] = [a!, b!, unsigned!].map((built) => built.breakerFor('payments'));
    const handle = pa!.isolate();
    await waitFor(() => pb!.state === 'isolated');
    const [key] = await admin.keys(`*${prefix}*payments*`);
    expect(await admin.hget(key!, 'mac')).toMatch(/^[0-9a-f]+/);
    // The store without the secret verifies nothing (it adopts signed records), but its own writes are refused.
    await waitFor(() => pu!.state === 'isolated');
    handle.release();
    await waitFor(() => pb!.state === 'closed' && pu!.state === 'closed');
    pu!.isolate();
    await new Promise((r) => setTimeout(r, 200));
    expect(pb!.state).toBe('closed');
    expect(
      (replicas[1]!.store as RedisBreakerStore).stats().unauthenticatedMessages +
        (replicas[1]!.store as RedisBreakerStore).stats().unauthenticatedRecords,
    ).toBeGreaterThan(0);
  });

  it('resolves undefined without a redis section, and close() is idempotent', async () => {
    expect(
      await storeFromConfig(loadConfig({ text: 'load_balancer:\n  servers:\n    - url: "http://127.0.0.1:9"\n' })),
    ).toBeUndefined();
    const prefix = uniquePrefix('cfgstore');
    const redis = await storeFromConfig(
      loadConfig({ text }, { env: { REDIS_URL: testRedisUrl(), BW_PREFIX: prefix } }),
    );
    await Promise.all([redis!.close(), redis!.close()]);
  });
});
