/// <reference path="./provided-context.d.ts" />
import type { TestProject } from 'vitest/node';
import { resolveRedis, type ResolvedRedis } from './resolve-redis.js';

let resolved: ResolvedRedis | undefined;

/** Resolves Redis once per run; tests read it with `testRedisUrl()`. */
export async function setup(project: TestProject): Promise<void> {
  try {
    resolved = await resolveRedis();
    project.provide('redisUrl', resolved.url);
    project.provide('redisError', '');
  } catch (e) {
    project.provide('redisUrl', '');
    project.provide('redisError', e instanceof Error ? e.message : String(e));
  }
}

export async function teardown(): Promise<void> {
  await resolved?.stop();
}
