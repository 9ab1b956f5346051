import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import type { RedisBreakerStore } from '@breakwater/redis';
import { startReplica, type Replica } from '@breakwater/replica';
import { parseGatewayArgs } from '../src/cli.js';
import { startGateway, type Gateway } from '../src/gateway.js';
import { createBreakerStore, type SharedStore } from '../src/store.js';

const TOKEN = 'gateway-secret-test-token';
const SECRET = 'gw-test-secret-0123456789abcdef';
const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const logger = pino({ level: 'silent' });
const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn().catch(() => undefined);
});

const waitFor = async (pred: () => boolean, what: string, timeoutMs = 2000): Promise<void> => {
  const start = Date.now();
  while (!pred()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

/**
 * Gateway pods on one Redis prefix, each with its own store built as main.ts builds it (secret from
 * BW_REDIS_SECRET).
 */
async function pods(prefix: string, envs: NodeJS.ProcessEnv[]): Promise<Array<{ gw: Gateway; shared: SharedStore }>> {
  const replica: Replica = await startReplica({ id: 'eu-1', region: 'eu', token: TOKEN });
  cleanup.push(() => replica.close());
  const out: Array<{ gw: Gateway; shared: SharedStore }> = [];
  for (const [i, env] of envs.entries()) {
    const cfg = parseGatewayArgs(
      [`--id=gw-${i}`, `--redis-url=${REDIS_URL}`, `--redis-prefix=${prefix}`, `--replicas=eu-1@eu=${replica.url}`],
      env,
    );
    const shared = createBreakerStore({
      redisUrl: cfg.redisUrl,
      prefix: cfg.redisPrefix,
      secret: cfg.redisSecret,
      instanceId: `gw-${i}`,
      logger,
    });
    cleanup.push(() => shared.close());
    const gw = await startGateway({
      id: `gw-${i}`,
      replicas: cfg.replicas,
      regions: cfg.regions,
      store: shared.store,
      storeKind: shared.kind,
      storeHealthy: shared.healthy,
      logger,
      token: TOKEN,
      tuning: { healthIntervalMs: 100 },
      stateIntervalMs: 100,
    });
    cleanup.push(() => gw.close(2_000));
    out.push({ gw, shared });
  }
  for (const p of out) await waitFor(() => p.shared.healthy(), 'store healthy', 5000);
  return out;
}

const admin = (gw: Gateway, action: 'trip' | 'reset') =>
  fetch(`${gw.url}/admin/propagation/${action}`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } });

describe('gateway: BW_REDIS_SECRET authenticates the shared breaker state (issue 14.11)', () => {
  it('reads BW_REDIS_SECRET (and BW_REDIS_SECRET_PREVIOUS for a rotation) from the environment only', () => {
    const base = ['--replicas=eu-1@eu=http://127.0.0.1:9'];
    expect(parseGatewayArgs(base, {}).redisSecret).toBeUndefined();
    expect(parseGatewayArgs(base, { BW_REDIS_SECRET: SECRET }).redisSecret).toEqual([SECRET]);
    expect(parseGatewayArgs(base, { BW_REDIS_SECRET: SECRET, BW_REDIS_SECRET_PREVIOUS: 'old' }).redisSecret).toEqual([
      SECRET,
      'old',
    ]);
    expect(() => parseGatewayArgs([...base, `--redis-secret=${SECRET}`], {})).toThrow();
  });

  it('two gateways with the same secret share a trip; a forged PUBLISH without the key is refused', async () => {
    const prefix = `gwsecret-${randomBytes(4).toString('hex')}`;
    const raw = new Redis(REDIS_URL);
    cleanup.push(async () => {
      const keys = await raw.keys(`*${prefix}*`);
      if (keys.length > 0) await raw.del(...keys);
      await raw.quit();
    });
    const [a, b] = await pods(prefix, [{ BW_REDIS_SECRET: SECRET }, { BW_REDIS_SECRET: SECRET }]);
    expect(await (await admin(a!.gw, 'trip')).json()).toMatchObject({ state: 'open' });
    await waitFor(() => b!.gw.state().propagationProbe === 'open', 'the trip on the other pod');
    const [key] = await raw.keys(`*${prefix}*propagation*`);
    expect(await raw.hget(key!, 'mac')).toMatch(/^[0-9a-f]+$/);
    await admin(b!.gw, 'reset');
    await waitFor(() => a!.gw.state().propagationProbe === 'closed', 'the reset on the other pod');
    // What anyone with write access to Redis could send, without the key.
    const forged = {
      v: 1,
      p: prefix,
      n: 'demo/propagation',
      s: 'open',
      g: 99,
      u: Date.now() + 60_000,
      t: Date.now(),
      r: 'forged',
      o: 'evil',
      q: 0,
      a: 0,
    };
    await raw.publish(`${prefix}:events`, JSON.stringify(forged));
    const stats = (p: { shared: SharedStore }) => (p.shared.store as RedisBreakerStore).stats();
    await waitFor(
      () => stats(a!).unauthenticatedMessages >= 1 && stats(b!).unauthenticatedMessages >= 1,
      'the forged message refused',
    );
    await new Promise((r) => setTimeout(r, 100));
    expect(a!.gw.state().propagationProbe).toBe('closed');
    expect(b!.gw.state().propagationProbe).toBe('closed');
  });
});
