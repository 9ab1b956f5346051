/// <reference path="./provided-context.d.ts" />
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { TestProject } from 'vitest/node';
import { resolveRedis, type ResolvedRedis } from './resolve-redis.js';
import { scanKeys } from './redis-keys.js';

let resolved: ResolvedRedis | undefined;
/** This run's tag, part of every uniquePrefix() (inherited by the test workers through the env). */
const run = randomBytes(4).toString('hex');

/** Resolves Redis once per run; tests read it with `testRedisUrl()`. */
export async function setup(project: TestProject): Promise<void> {
  process.env['BW_TEST_RUN'] = run;
  try {
    resolved = await resolveRedis();
    project.provide('redisUrl', resolved.url);
    project.provide('redisError', '');
  } catch (e) {
    project.provide('redisUrl', '');
    project.provide('redisError', e instanceof Error ? e.message : String(e));
  }
}

/**
 * Fails the run when keys of this run (uniquePrefix() names carry its tag) are still in Redis after
 * every test file's cleanup: a test that writes after its store was closed, or keys the cleanup
 * cannot see. They are listed, then deleted, so the next run starts clean either way.
 */
export async function teardown(): Promise<void> {
  try {
    if (resolved !== undefined) await checkNoKeysLeft(resolved.url);
  } finally {
    await resolved?.stop();
  }
}

async function checkNoKeysLeft(url: string): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  redis.on('error', () => undefined);
  let left: string[];
  try {
    await redis.connect();
    left = await scanKeys(redis, `*bwtest:*:${run}:*`);
    if (left.length > 0) await redis.del(...left);
  } catch {
    return; // Redis not reachable at the end (never resolved, or stopped): nothing to check there
  } finally {
    redis.disconnect();
  }
  if (left.length > 0) {
    const shown = left
      .sort()
      .slice(0, 20)
      .map((k) => `  ${k}`)
      .join('\n');
    // vitest only logs an error thrown here; the exit code is what makes the run fail.
    process.stderr.write(
      `\nFAIL  ${left.length} Redis key(s) of this test run were left behind (now deleted); every test must delete its keys:\n${shown}` +
        `${left.length > 20 ? `\n  … and ${left.length - 20} more` : ''}\n\n`,
    );
    process.exitCode = 1;
  }
}
