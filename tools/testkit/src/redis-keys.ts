import { Redis } from 'ioredis';

/** Glob-escapes `text` for SCAN MATCH. */
function globEscape(text: string): string {
  return text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}

/** Every key matching the SCAN `pattern` (not for production-size keyspaces: tests only). */
export async function scanKeys(redis: Redis, pattern: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  return keys;
}

/**
 * Keys a store made under `prefix`: `{prefix}:…` and `{prefix:…}` (hash-tagged), and plain `prefix:…`.
 * The character after the prefix must be `}` or `:`, so `…:1` never matches `…:10`.
 */
export function prefixPattern(prefix: string): string {
  return `*${globEscape(prefix)}[:}]*`;
}

/** Deletes every key under each prefix; returns how many were deleted. */
export async function deletePrefixedKeys(url: string, prefixes: Iterable<string>): Promise<number> {
  const list = [...prefixes];
  if (list.length === 0) return 0;
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: true });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    let deleted = 0;
    for (const prefix of list) {
      const keys = await scanKeys(redis, prefixPattern(prefix));
      for (let i = 0; i < keys.length; i += 500) deleted += await redis.del(...keys.slice(i, i + 500));
    }
    return deleted;
  } finally {
    redis.disconnect();
  }
}

/**
 * For keys a test cannot name in advance (a child process picks its own prefix): remembers the keys
 * matching `pattern` now; `deleteNew()` later deletes those that appeared since.
 */
export async function trackNewKeys(url: string, pattern: string): Promise<{ deleteNew(): Promise<number> }> {
  const withRedis = async <T>(fn: (redis: Redis) => Promise<T>): Promise<T> => {
    const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    redis.on('error', () => undefined);
    try {
      await redis.connect();
      return await fn(redis);
    } finally {
      redis.disconnect();
    }
  };
  const before = new Set(await withRedis((r) => scanKeys(r, pattern)));
  return {
    deleteNew: () =>
      withRedis(async (r) => {
        const fresh = (await scanKeys(r, pattern)).filter((k) => !before.has(k));
        return fresh.length > 0 ? r.del(...fresh) : 0;
      }),
  };
}
