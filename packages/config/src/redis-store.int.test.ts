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

  it('resolves undefined without a redis section, and close() is idempotent', async () => {
    expect(await storeFromConfig(loadConfig({ text: 'load_balancer:\n  servers:\n    - url: "http://127.0.0.1:9"\n' }))).toBeUndefined();
    const prefix = uniquePrefix('cfgstore');
    const redis = await storeFromConfig(loadConfig({ text }, { env: { REDIS_URL: testRedisUrl(), BW_PREFIX: prefix } }));
    await Promise.all([redis!.close(), redis!.close()]);
  });
});
