import { inspect } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort, spawnRedisServer, uniquePrefix, type SpawnedRedis } from '@breakwater/testkit';
import { StoreNotReadyError, type StoreHealthEvent } from './health.js';
import { Harness, waitFor } from './test-support/harness.js';

const PASSWORD = 'correct-horse-battery-staple';
const WRONG = 'wrong-horse-s3cret-guess';
const h = new Harness();
let srv: SpawnedRedis;

beforeAll(async () => {
  srv = await spawnRedisServer({ args: ['--requirepass', PASSWORD] });
});
afterAll(async () => {
  await srv?.stop();
});
afterEach(() => h.closeAll());

const urlWith = (password: string): string => `redis://:${password}@127.0.0.1:${srv.port}`;

function captureWarnings(): { list: Error[]; stop(): void } {
  const list: Error[] = [];
  const on = (w: Error): void => {
    if ((w as { code?: string }).code === 'BW_REDIS_CONFIG') list.push(w);
  };
  process.on('warning', on);
  return { list, stop: () => process.off('warning', on) };
}

describe('misconfiguration is loud', () => {
  it('wrong password, no onError: counted, one warning, ready() rejects with WRONGPASS, AUTH retries back off', async () => {
    const warnings = captureWarnings();
    h.onClose(() => warnings.stop());
    const s = h.store({ redis: h.redis(urlWith(WRONG)), prefix: uniquePrefix('wrongpass') });
    const health: StoreHealthEvent[] = [];
    s.on('health', (e) => health.push(e));
    const err = await s.ready({ timeoutMs: 1500 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(StoreNotReadyError);
    expect((err as Error).message).toMatch(/WRONGPASS/);
    expect((err as Error).message).not.toContain(WRONG);
    await new Promise((r) => setTimeout(r, 1000));
    const st = s.stats();
    expect(st.authErrors).toBeGreaterThan(0);
    expect(st.errors).toBeGreaterThanOrEqual(st.connectionErrors);
    expect(st.connectionErrors).toBeGreaterThanOrEqual(st.authErrors);
    // Two connections over ~2.5 s: without backoff this was ~12 attempts per second per store.
    expect(st.authErrors).toBeLessThanOrEqual(8);
    expect(warnings.list).toHaveLength(1);
    expect(warnings.list[0]!.message).not.toContain(WRONG);
    expect(health).toEqual([]);
    expect(s.healthy).toBe(false);
  });

  it('errors handed to onError never carry the password (inspect, JSON, nested)', async () => {
    const errors: unknown[] = [];
    const warnings = captureWarnings();
    h.onClose(() => warnings.stop());
    const s = h.store({
      redis: h.redis(urlWith(WRONG)),
      prefix: uniquePrefix('redact'),
      onError: (e) => errors.push(e),
    });
    await waitFor(() => errors.length >= 2, 3000, 'auth errors reported');
    for (const e of errors) {
      expect(inspect(e, { depth: 10 })).not.toContain(WRONG);
      expect(JSON.stringify(e)).not.toContain(WRONG);
      expect(String((e as Error).stack)).not.toContain(WRONG);
    }
    expect(errors.some((e) => /WRONGPASS/.test((e as Error).message))).toBe(true);
    expect(JSON.stringify(errors[0])).toContain('***');
    expect(warnings.list).toHaveLength(0); // onError is set: the caller handles it
    expect(s.stats().authErrors).toBeGreaterThan(0);
  });

  it('right password: ready() resolves, health events on loss and recovery', async () => {
    const own = await spawnRedisServer({ args: ['--requirepass', PASSWORD] });
    h.onClose(() => own.stop());
    const s = h.store({
      redis: h.redis(`redis://:${PASSWORD}@127.0.0.1:${own.port}`),
      prefix: uniquePrefix('health'),
      commandTimeoutMs: 100,
    });
    const health: StoreHealthEvent[] = [];
    s.on('health', (e) => health.push(e));
    await s.ready({ timeoutMs: 3000 });
    expect(health.map((e) => e.healthy)).toEqual([true]);
    await own.kill('SIGKILL');
    await waitFor(() => health.length >= 2, 2000, 'unhealthy event');
    expect(health[1]).toMatchObject({ healthy: false });
    await own.restart();
    await waitFor(() => health.length >= 3, 3000, 'healthy again');
    expect(health[2]).toMatchObject({ healthy: true });
  });

  it('closed port: ready() rejects naming the connection error, errors counted without onError', async () => {
    const port = await freePort();
    const s = h.store({ redis: h.redis(`redis://127.0.0.1:${port}`), prefix: uniquePrefix('refused') });
    await expect(s.ready({ timeoutMs: 500 })).rejects.toThrow(/ECONNREFUSED/);
    expect(s.stats().connectionErrors).toBeGreaterThan(0);
    expect(s.stats().errors).toBeGreaterThan(0);
    const pending = s.ready({ timeoutMs: 10_000 });
    await s.close();
    await expect(pending).rejects.toThrow(/closed/);
  });
});
