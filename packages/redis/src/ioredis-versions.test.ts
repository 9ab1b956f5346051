import { describe, expect, it } from 'vitest';
import { Cluster as Cluster5, Redis as Redis5 } from 'ioredis';
import { Cluster as Cluster6, Redis as Redis6 } from 'ioredis6';
import { FleetAdmin } from './admin.js';
import { RedisBreakerStore } from './store.js';

// Compiles only if the README's `new RedisBreakerStore({ redis: new Redis(url) })` type-checks
// against both ioredis majors (this file is part of `npm run typecheck`).
describe('ioredis 5 and 6 are both accepted', () => {
  it.each([
    ['ioredis 5 Redis', () => new Redis5('redis://127.0.0.1:1', { lazyConnect: true })],
    ['ioredis 6 Redis', () => new Redis6('redis://127.0.0.1:1', { lazyConnect: true })],
    ['ioredis 5 Cluster', () => new Cluster5([{ host: '127.0.0.1', port: 1 }], { lazyConnect: true })],
    ['ioredis 6 Cluster', () => new Cluster6([{ host: '127.0.0.1', port: 1 }], { lazyConnect: true })],
  ] as const)('%s', async (_, make) => {
    const redis = make();
    const store = new RedisBreakerStore({ redis, prefix: 'typecheck' });
    const admin = new FleetAdmin(redis, 'typecheck');
    expect(admin.prefix).toBe('typecheck');
    expect(store.healthy).toBe(false);
    await store.close();
    redis.disconnect();
  });
});

describe('integration suite ioredis major', () => {
  it('the harness connects with the major BW_IOREDIS selects', async () => {
    const { Redis, ioredisMajor } = await import('./test-support/ioredis.js');
    const r = new Redis('redis://127.0.0.1:1', { lazyConnect: true });
    expect(r instanceof (ioredisMajor === 6 ? Redis6 : Redis5)).toBe(true);
    r.disconnect();
  });
});
