import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { circuitBreaker, consecutiveFailures, IsolatedCircuitError } from '@breakwater/core';
import { uniquePrefix } from '@breakwater/testkit';
import { testRedisUrl } from '@breakwater/testkit/vitest';
import { FleetAdmin } from './admin.js';
import { runCli } from './cli/main.js';
import { Harness, boom, ok, ready, waitFor } from './test-support/harness.js';

const h = new Harness();
afterEach(() => h.closeAll());
const run = promisify(execFile);
const BIN = fileURLToPath(new URL('../bin/breakwater-redis.js', import.meta.url));

async function pair(prefix: string) {
  const url = testRedisUrl();
  const a = h.store({ redis: h.redis(url), prefix, instanceId: 'A' });
  const b = h.store({ redis: h.redis(url), prefix, instanceId: 'B' });
  await Promise.all([ready(a), ready(b)]);
  const opts = { name: 'ledger', trip: consecutiveFailures(2), halfOpenAfterMs: 10_000 };
  return { ba: circuitBreaker({ ...opts, store: a }), bb: circuitBreaker({ ...opts, store: b }) };
}

describe('fleet-wide manual control', () => {
  it('isolate() on replica A rejects calls on B; release() restores both', async () => {
    const { ba, bb } = await pair(uniquePrefix('isolate'));
    const handle = ba.isolate();
    expect(ba.state).toBe('isolated');
    await waitFor(() => bb.state === 'isolated', 1000, 'B isolated');
    await expect(bb.execute(ok)).rejects.toBeInstanceOf(IsolatedCircuitError);
    handle.release();
    await waitFor(() => bb.state === 'closed', 1000, 'B released');
    expect(await bb.execute(ok)).toBe('ok');
    expect(await ba.execute(ok)).toBe('ok');
  });

  it('isolate({ scope: "local" }) stays on one replica', async () => {
    const { ba, bb } = await pair(uniquePrefix('isolocal'));
    const handle = ba.isolate({ scope: 'local' });
    await new Promise((r) => setTimeout(r, 100));
    expect(bb.state).toBe('closed');
    handle.release();
    expect(ba.state).toBe('closed');
  });

  it('reset() on one replica closes the breaker fleet-wide', async () => {
    const { ba, bb } = await pair(uniquePrefix('reset'));
    await ba.execute(boom).catch(() => undefined);
    await ba.execute(boom).catch(() => undefined);
    await waitFor(() => bb.state === 'open', 1000, 'B open');
    bb.reset();
    await waitFor(() => ba.state === 'closed', 1000, "A closed by B's reset");
  });

  it('the CLI lists breakers and isolates / releases / resets one fleet-wide', async () => {
    const prefix = uniquePrefix('cli');
    const url = testRedisUrl();
    const { ba, bb } = await pair(prefix);
    await ba.execute(boom).catch(() => undefined);
    await ba.execute(boom).catch(() => undefined);
    await waitFor(() => bb.state === 'open', 1000, 'B open');

    // In-process for speed; the bin itself is exercised below (isolate, usage error).
    const cli = async (...args: string[]) => {
      let stdout = '';
      let stderr = '';
      const code = await runCli(
        ['--url', url, '--prefix', prefix, ...args],
        {},
        {
          out: (x) => {
            stdout += x;
          },
          err: (x) => {
            stderr += x;
          },
        },
      );
      return { code, stdout, stderr };
    };
    const listed = await cli('list');
    expect(listed.stdout).toMatch(/NAME\s+STATE\s+GEN\s+VOTES\s+PROBE\s+LAST TRANSITION/);
    expect(listed.stdout).toMatch(/ledger\s+open\s+1\s+0\s+-\s+\S+ ago by A: 2 consecutive failures/);

    expect((await cli('reset', 'ledger')).code).toBe(0);
    await waitFor(() => ba.state === 'closed' && bb.state === 'closed', 1000, 'both closed after CLI reset');

    const iso = await run(process.execPath, [BIN, '--url', url, '--prefix', prefix, 'isolate', 'ledger'], {
      timeout: 20_000,
    });
    expect(iso.stdout).toContain('isolated "ledger" fleet-wide');
    await waitFor(() => ba.state === 'isolated' && bb.state === 'isolated', 1000, 'both isolated by the CLI');
    await expect(ba.execute(ok)).rejects.toBeInstanceOf(IsolatedCircuitError);
    const json = JSON.parse((await cli('--json', 'list')).stdout) as Array<{
      name: string;
      state: string;
      origin: string;
    }>;
    expect(json).toEqual([
      expect.objectContaining({ name: 'ledger', state: 'isolated', origin: expect.stringMatching(/^cli:/) }),
    ]);

    expect((await cli('release', 'ledger')).code).toBe(0);
    await waitFor(() => ba.state === 'closed' && bb.state === 'closed', 1000, 'both released by the CLI');
    expect((await cli('release', 'ledger')).stdout).toContain('not isolated');
  }, 60_000);

  it('the CLI rejects bad command lines with usage and exit code 2', async () => {
    const err = await run(process.execPath, [BIN, 'isolate'], { timeout: 20_000 }).catch(
      (e: { code: number; stderr: string }) => e,
    );
    expect(err).toMatchObject({ code: 2 });
    expect((err as { stderr: string }).stderr).toContain('isolate needs a breaker name');
  }, 30_000);

  it('FleetAdmin isolates a breaker no replica registered yet; a replica attaching later starts isolated', async () => {
    const prefix = uniquePrefix('late');
    const url = testRedisUrl();
    const admin = new FleetAdmin(h.redis(url), prefix);
    await admin.isolate('fresh');
    const s = h.store({ redis: h.redis(url), prefix });
    const b = circuitBreaker({ name: 'fresh', store: s });
    await waitFor(() => b.state === 'isolated', 2000, 'late joiner isolated');
    expect((await admin.list()).map((x) => [x.name, x.state])).toEqual([['fresh', 'isolated']]);
  });
});
