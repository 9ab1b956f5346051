import { describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { ConfigError } from '@breakwater/core';
import { RedisBreakerStore } from './store.js';

// lazyConnect: validation happens before any connection is made.
const redis = new Redis({ lazyConnect: true });

function configError(o: Record<string, unknown>): ConfigError {
  try {
    new RedisBreakerStore(o as never);
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('RedisBreakerStore options', () => {
  it.each([
    [{}, 'redisBreakerStore.redis', /ioredis Redis or Cluster instance, got undefined/],
    [{ redis: {} }, 'redisBreakerStore.redis', /got an object/],
    [{ redis, prefix: '' }, 'redisBreakerStore.prefix', /non-empty string/],
    [{ redis, prefix: 'a{b}' }, 'redisBreakerStore.prefix', /without braces/],
    [{ redis, mode: 'fast' }, 'redisBreakerStore.mode', /'state' or 'aggregate', got "fast"/],
    [{ redis, quorum: 0 }, 'redisBreakerStore.quorum', /integer from 1/],
    [{ redis, quorum: 1.5 }, 'redisBreakerStore.quorum', /got 1.5/],
    [{ redis, flushIntervalMs: 0 }, 'redisBreakerStore.flushIntervalMs', /≥ 10/],
    [{ redis, commandTimeoutMs: Number.NaN }, 'redisBreakerStore.commandTimeoutMs', /got NaN/],
    [{ redis, instanceId: '' }, 'redisBreakerStore.instanceId', /non-empty string/],
    [{ redis, onError: 'log' }, 'redisBreakerStore.onError', /expected a function/],
    [{ redis, resyncIntervalMs: -1 }, 'redisBreakerStore.resyncIntervalMs', /or 0 to disable/],
    [{ redis, probeLeaseMs: '1s' }, 'redisBreakerStore.probeLeaseMs', /milliseconds/],
    [
      { redis, secret: '' },
      'redisBreakerStore.secret',
      /non-empty string .*≥ 16 characters recommended.*got an empty string/,
    ],
    [{ redis, secret: [] }, 'redisBreakerStore.secret', /array of 1 to 8 such strings.*got an array of 0/],
    [{ redis, secret: 42 }, 'redisBreakerStore.secret', /got number/],
  ])('%j → ConfigError at %s', (o, path, message) => {
    const e = configError(o);
    expect(e.code).toBe('BW_CONFIG');
    expect(e.path).toBe(path);
    expect(e.message).toMatch(message);
  });

  it('accepts a valid configuration without touching the network until connected', async () => {
    const s = new RedisBreakerStore({
      redis,
      prefix: 'app:bw',
      mode: 'aggregate',
      quorum: 2,
      instanceId: 'x',
      resyncIntervalMs: 0,
    });
    expect(s.instanceId).toBe('x');
    expect(s.prefix).toBe('app:bw');
    expect(s.stats()).toMatchObject({
      commands: 0,
      errors: 0,
      messagesIn: 0,
      messagesIgnored: 0,
      refused: 0,
      resyncs: 0,
    });
    await s.close();
    expect(redis.status).toBe('wait'); // the caller's connection is never used or quit
  });

  it('a short secret is accepted with a warning (BW_REDIS_WEAK_SECRET)', async () => {
    const warnings: Array<{ code?: string }> = [];
    const on = (w: Error & { code?: string }): void => void warnings.push(w);
    process.on('warning', on);
    const s = new RedisBreakerStore({ redis, secret: 'short', resyncIntervalMs: 0 });
    await new Promise((r) => setImmediate(r));
    process.off('warning', on);
    expect(warnings.some((w) => w.code === 'BW_REDIS_WEAK_SECRET')).toBe(true);
    expect(s.stats()).toMatchObject({ unauthenticatedMessages: 0, unauthenticatedRecords: 0 });
    await s.close();
  });
});
