/// <reference path="./provided-context.d.ts" />
import { inject } from 'vitest';

/** The run's Redis URL (see resolve-redis.ts); throws the resolution error when there is none. */
export function testRedisUrl(): string {
  const url = inject('redisUrl');
  if (!url) throw new Error(inject('redisError') || 'no Redis resolved for tests');
  return url;
}
