import { ConfigError, type BreakerStore } from '@breakwater/core';
import type { BreakwaterConfig } from './schema/config.js';
import { redactCredentials } from './issues.js';

/** What {@link storeFromConfig} returns: the store, and a close that also quits its connection. */
export interface ConfiguredStore {
  /** A `RedisBreakerStore` built from the `redis` section; pass it to `buildFromConfig(config, { store })`. */
  store: BreakerStore;
  /** Closes the store, then quits the Redis connection this function opened. Idempotent. */
  close(): Promise<void>;
}

/** Options of {@link storeFromConfig}. */
export interface StoreFromConfigOptions {
  /** Receives every Redis error the store and its connection absorb (credentials redacted by the store). */
  onError?: (e: unknown) => void;
}

interface RedisClientLike {
  quit(): Promise<unknown>;
  on(event: 'error', fn: (e: unknown) => void): unknown;
  disconnect(): void;
}
interface IoredisModule {
  Redis: new (url: string, options: Record<string, unknown>) => RedisClientLike;
  Cluster: new (nodes: Array<{ host: string; port: number }>, options: Record<string, unknown>) => RedisClientLike;
}
interface RedisPackage {
  RedisBreakerStore: new (options: Record<string, unknown>) => BreakerStore;
}

async function optionalImport<T>(name: string): Promise<T> {
  try {
    return (await import(name)) as T;
  } catch (e) {
    throw new ConfigError(
      'redis',
      `expected the package "${name}" to be installed to connect to Redis from the config (npm install ${name}), ` +
        `got: ${(e as Error).message.split('\n')[0] ?? 'not found'}`,
    );
  }
}

/**
 * Connects to Redis as the config's `redis` section says (`url`, `cluster`, `prefix`, `mode`,
 * `quorum`, `flush_interval`, `command_timeout`, `secret`) and builds a `RedisBreakerStore` over it.
 * Resolves `undefined` when the config has no `redis` section. Needs the optional peer
 * dependencies `@breakwater/redis` and `ioredis`. The connection uses the settings the store's
 * README recommends: no offline queue (a down Redis fails fast instead of buffering) and an
 * error handler (an unhandled 'error' event would end the process).
 *
 * @example
 * const config = loadConfig({ path: 'breakwater.yaml' }, { env: process.env }); // redis.url: ${REDIS_URL}
 * const redis = await storeFromConfig(config);
 * const built = buildFromConfig(config, { store: redis?.store });
 * // on shutdown: await built.close(); await redis?.close();
 */
export async function storeFromConfig(
  config: BreakwaterConfig,
  options: StoreFromConfigOptions = {},
): Promise<ConfiguredStore | undefined> {
  if (config === null || typeof config !== 'object')
    throw new ConfigError('', `expected a config from loadConfig(), got ${config === null ? 'null' : typeof config}`);
  const section = config.redis;
  if (section === undefined) return undefined;
  if (options.onError !== undefined && typeof options.onError !== 'function')
    throw new ConfigError('storeFromConfig.onError', `expected a function, got ${typeof options.onError}`);
  const onError = options.onError ?? (() => undefined);
  const [ioredis, pkg] = await Promise.all([
    optionalImport<IoredisModule>('ioredis'),
    optionalImport<RedisPackage>('@breakwater/redis'),
  ]);
  const clientOptions: Record<string, unknown> = {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    lazyConnect: false,
  };
  let client: RedisClientLike;
  if (section.cluster === true) {
    const u = new URL(section.url);
    const tls = u.protocol === 'rediss:' ? {} : undefined;
    client = new ioredis.Cluster([{ host: u.hostname, port: Number(u.port || 6379) }], {
      enableOfflineQueue: false,
      redisOptions: {
        ...(u.username === '' ? {} : { username: decodeURIComponent(u.username) }),
        ...(u.password === '' ? {} : { password: decodeURIComponent(u.password) }),
        ...(tls === undefined ? {} : { tls }),
      },
    });
  } else {
    client = new ioredis.Redis(section.url, clientOptions);
  }
  client.on('error', onError);
  let store: BreakerStore;
  try {
    store = new pkg.RedisBreakerStore({
      redis: client,
      ...(section.prefix === undefined ? {} : { prefix: section.prefix }),
      ...(section.mode === undefined ? {} : { mode: section.mode }),
      ...(section.quorum === undefined ? {} : { quorum: section.quorum }),
      ...(section.flush_interval === undefined ? {} : { flushIntervalMs: section.flush_interval }),
      ...(section.command_timeout === undefined ? {} : { commandTimeoutMs: section.command_timeout }),
      ...(section.secret === undefined ? {} : { secret: section.secret }),
      onError,
    });
  } catch (e) {
    client.disconnect();
    if (e instanceof ConfigError)
      throw new ConfigError(`redis${e.path === '' ? '' : `.${e.path}`}`, redactCredentials(e.message));
    throw e;
  }
  let closing: Promise<void> | undefined;
  return {
    store,
    close: () =>
      (closing ??= (async () => {
        await store.close();
        await client.quit().catch(() => client.disconnect());
      })()),
  };
}
