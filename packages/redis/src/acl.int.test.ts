import { circuitBreaker, consecutiveFailures } from '@breakwater/core';
import { spawnRedisServer } from '@breakwater/testkit';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import { storeAclRules } from './acl.js';
import { runCliCaptured as cli } from './test-support/cli.js';
import { Harness, boom, ready, waitFor } from './test-support/harness.js';

const h = new Harness();
afterEach(() => h.closeAll());

describe('storeAclRules: the least a store and the CLI need (own redis-server with ACL users)', () => {
  it('a store, a second replica and the CLI run under `ACL SETUSER breakwater on >pw <rules>`; the user can do nothing else', async () => {
    const server = await spawnRedisServer();
    onTestFinished(() => server.stop());
    const admin = new Redis(server.url);
    onTestFinished(async () => {
      await admin.quit();
    });
    const password = 'a1b2c3d4e5f6a7b8c9d0';
    expect(await admin.call('ACL', 'SETUSER', 'breakwater', 'on', `>${password}`, ...storeAclRules('bw'))).toBe('OK');
    const url = `redis://breakwater:${password}@127.0.0.1:${server.port}`;

    const a = h.store({ redis: h.redis(url), prefix: 'bw', instanceId: 'A' });
    const b = h.store({ redis: h.redis(url), prefix: 'bw', instanceId: 'B' });
    await Promise.all([ready(a), ready(b)]);
    const opts = { name: 'payments', trip: consecutiveFailures(2), halfOpenAfterMs: 60_000 };
    const ba = circuitBreaker({ ...opts, store: a });
    const bb = circuitBreaker({ ...opts, store: b });
    for (let i = 0; i < 2; i++) await ba.execute(boom).catch(() => undefined);
    await waitFor(() => bb.state === 'open', 2000, 'B sees the trip').catch(async (e: unknown) => {
      throw new Error(`${String(e)}; ACL LOG: ${JSON.stringify(await admin.call('ACL', 'LOG', '5'))}`);
    });

    for (const args of [
      ['list'],
      ['inspect', 'payments'],
      ['isolate', 'payments'],
      ['release', 'payments'],
      ['reset', 'payments'],
    ]) {
      const r = await cli(['--url', url, ...args]);
      expect(r, args.join(' ')).toMatchObject({ code: 0 });
    }
    await waitFor(() => ba.state === 'closed' && bb.state === 'closed', 2000, 'CLI reset reached both');
    expect((await cli(['--url', url, '--force', 'isolate', 'other'])).code).toBe(0);
    expect((await cli(['--url', url, 'forget', 'other'])).code).toBe(0);
    expect(a.stats().errors + b.stats().errors).toBe(0);

    const user = new Redis(url);
    onTestFinished(async () => {
      await user.quit();
    });
    for (const [cmd, ...args] of [
      ['FLUSHALL'],
      ['CONFIG', 'GET', 'requirepass'],
      ['KEYS', '*'],
      ['SET', 'unrelated', '1'],
      ['DEBUG', 'SLEEP', '0'],
      ['SCRIPT', 'FLUSH'],
      ['ACL', 'LIST'],
      ['PUBLISH', 'other:events', 'x'],
      ['SHUTDOWN', 'NOSAVE'],
    ] as string[][]) {
      await expect(user.call(cmd!, ...args), `${cmd} ${args.join(' ')}`).rejects.toThrow(/NOPERM/);
    }
  }, 30_000);

  it('escapes glob characters of the prefix in key and channel patterns', () => {
    expect(storeAclRules('shop*1')).toEqual(expect.arrayContaining(['~{shop\\*1:*', '~{shop\\*1}:*', '&shop\\*1:*']));
  });
});
