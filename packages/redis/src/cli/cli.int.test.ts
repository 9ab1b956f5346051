import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createTestCertificates,
  freePort,
  pingRedis,
  spawnRedisServer,
  spawnTlsRedisServer,
  uniquePrefix,
} from '@breakwater/testkit';
import { testRedisUrl } from '@breakwater/testkit/vitest';
import { Redis } from 'ioredis';
import { describe, expect, it, onTestFinished } from 'vitest';
import { FleetAdmin } from '../admin.js';
import { registryKey } from '../keys.js';
import { runCliCaptured as cli } from '../test-support/cli.js';

function adminOn(prefix: string, origin?: string): FleetAdmin {
  const redis = new Redis(testRedisUrl());
  onTestFinished(async () => {
    const keys = await redis.keys(`*${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });
  return new FleetAdmin(redis, prefix, origin);
}

const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e]/;

describe('breakwater-redis CLI: operator safety', () => {
  it('--version prints the package version', async () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(await cli(['--version'])).toMatchObject({
      code: 0,
      stdout: `breakwater-redis ${pkg.version}\n`,
      stderr: '',
    });
  });

  it('isolate of a name no replica registered exits 1 (a typo must not look like success) unless --force', async () => {
    const prefix = uniquePrefix('cli');
    const admin = adminOn(prefix);
    await admin.reset('payments'); // registers "payments"
    const typo = await cli(['--url', testRedisUrl(), '--prefix', prefix, 'isolate', 'paymnets']);
    expect(typo.code).toBe(1);
    expect(typo.stderr).toMatch(/no replica has registered a breaker "paymnets".*--force/);
    expect((await admin.inspect('paymnets')).state).toBe('unknown');
    expect((await cli(['--url', testRedisUrl(), '--prefix', prefix, 'isolate', 'payments'])).code).toBe(0);
    const forced = await cli(['--url', testRedisUrl(), '--prefix', prefix, '--force', 'isolate', 'new-one']);
    expect(forced.code).toBe(0);
    expect((await admin.inspect('new-one')).state).toBe('isolated');
  });

  it('names, origins and reasons from Redis never reach the terminal as control sequences', async () => {
    const prefix = uniquePrefix('cli');
    const hostile = 'pay\u001b[2J\u001b]0;pwned\u0007ments\u009b31m\u202e';
    const admin = adminOn(prefix, 'cli:\u001b[31mred');
    await admin.isolate(hostile);
    for (const args of [
      ['list'],
      ['--json', 'list'],
      ['inspect', hostile],
      ['--json', 'inspect', hostile],
      ['release', hostile],
      ['nonsense\u001b[2J'],
    ]) {
      const r = await cli(['--url', testRedisUrl(), '--prefix', prefix, ...args]);
      expect(CONTROL.test(r.stdout), `${args.join(' ')} stdout: ${JSON.stringify(r.stdout)}`).toBe(false);
      expect(CONTROL.test(r.stderr), `${args.join(' ')} stderr`).toBe(false);
    }
    const listed = await cli(['--url', testRedisUrl(), '--prefix', prefix, 'list']);
    expect(listed.stdout).toContain('pay\\x1b[2J\\x1b]0;pwned\\x07ments\\x9b31m\\u202e');
    const json = await cli(['--url', testRedisUrl(), '--prefix', prefix, '--json', 'list']);
    expect((JSON.parse(json.stdout) as Array<{ name: string }>)[0]!.name).toBe(hostile);
  });

  it('inspect shows the record, generation, votes and lease; exits 1 for an unknown name', async () => {
    const prefix = uniquePrefix('cli');
    const admin = adminOn(prefix);
    await admin.isolate('ledger');
    const r = await cli(['--url', testRedisUrl(), '--prefix', prefix, 'inspect', 'ledger']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/breaker\s+ledger/);
    expect(r.stdout).toMatch(/state\s+isolated/);
    expect(r.stdout).toMatch(/generation\s+\d+/);
    expect(r.stdout).toMatch(/record\s*\n(\s{2}\S+\s+.+\n)+/);
    expect(r.stdout).toMatch(/votes\s+\(none\)/);
    expect(r.stdout).toMatch(/probe lease \(none\)/);
    const json = JSON.parse(
      (await cli(['--url', testRedisUrl(), '--prefix', prefix, '--json', 'inspect', 'ledger'])).stdout,
    ) as {
      info: { state: string };
      registered: boolean;
    };
    expect(json).toMatchObject({ info: { state: 'isolated' }, registered: true });
    expect((await cli(['--url', testRedisUrl(), '--prefix', prefix, 'inspect', 'nothing'])).code).toBe(1);
  });

  it("forget deletes a breaker's keys and registry entry", async () => {
    const prefix = uniquePrefix('cli');
    const admin = adminOn(prefix);
    await admin.isolate('old-name');
    const r = await cli(['--url', testRedisUrl(), '--prefix', prefix, 'forget', 'old-name']);
    expect(r).toMatchObject({ code: 0, stdout: expect.stringContaining('forgot "old-name"') });
    const redis = new Redis(testRedisUrl());
    onTestFinished(async () => {
      await redis.quit();
    });
    expect(await redis.zscore(registryKey(prefix), 'old-name')).toBeNull();
    expect(await redis.keys(`*${prefix}:old-name*`)).toEqual([]);
    expect((await cli(['--url', testRedisUrl(), '--prefix', prefix, 'forget', 'old-name'])).code).toBe(1);
  });

  it('rejects bad option combinations with a usage error', async () => {
    expect((await cli(['--force', 'list'])).code).toBe(2);
    expect((await cli(['--name', 'm', 'list'])).code).toBe(2);
    expect((await cli(['--sentinel', 'nohost', 'list'])).code).toBe(2);
    expect((await cli(['--sentinel', '127.0.0.1:1', '--cluster', 'list'])).code).toBe(2);
  });
});

describe('breakwater-redis CLI: TLS and Sentinel (own redis-server processes)', () => {
  it('--tls-ca trusts a private CA over rediss://; without it the connection is refused', async () => {
    const certs = createTestCertificates();
    onTestFinished(() => certs.remove());
    const { server, url } = await spawnTlsRedisServer(certs);
    onTestFinished(() => server.stop());
    const ok = await cli(['--url', url, '--tls-ca', certs.caFile, 'list']);
    expect(ok).toMatchObject({ code: 0, stdout: 'no breakers registered under this prefix\n' });
    const untrusted = await cli(['--url', url, 'list']);
    expect(untrusted.code).toBe(1);
    expect((await cli(['--url', url, '--tls-ca', join(certs.dir, 'missing.pem'), 'list'])).stderr).toMatch(
      /--tls-ca: cannot read/,
    );
  }, 30_000);

  it('--sentinel host:port --name finds the master through Sentinel', async () => {
    const master = await spawnRedisServer();
    onTestFinished(() => master.stop());
    const dir = mkdtempSync(join(tmpdir(), 'bw-cli-sentinel-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const port = await freePort();
    const conf = join(dir, 'sentinel.conf');
    writeFileSync(conf, `bind 127.0.0.1\nprotected-mode no\nsentinel monitor bwmaster 127.0.0.1 ${master.port} 1\n`);
    const sentinel: ChildProcess = spawn('redis-server', [conf, '--sentinel', '--port', String(port)], {
      stdio: 'ignore',
    });
    onTestFinished(
      () =>
        new Promise<void>((resolve) => {
          if (sentinel.exitCode !== null) return resolve();
          sentinel.once('exit', () => resolve());
          sentinel.kill('SIGTERM');
        }),
    );
    for (let i = 0; i < 100 && !(await pingRedis('127.0.0.1', port, 200)); i++)
      await new Promise((r) => setTimeout(r, 25));
    const prefix = uniquePrefix('cli');
    const r = await cli([
      '--sentinel',
      `127.0.0.1:${port}`,
      '--name',
      'bwmaster',
      '--prefix',
      prefix,
      '--force',
      'isolate',
      'via-sentinel',
    ]);
    expect(r).toMatchObject({ code: 0, stdout: expect.stringContaining('isolated "via-sentinel"') });
    const direct = new Redis(master.url);
    onTestFinished(async () => {
      await direct.quit();
    });
    expect(await direct.zscore(registryKey(prefix), 'via-sentinel')).not.toBeNull();
  }, 30_000);
});
