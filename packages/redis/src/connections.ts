import { Cluster, type Redis } from 'ioredis';
import { SCRIPTS } from './scripts.js';

/** An ioredis connection of either kind (the store's own view, typed by the ioredis it was built with). */
export type AnyRedis = Redis | Cluster;

/**
 * What the store needs from the caller's connection, typed structurally: an ioredis `Redis`
 * (standalone or Sentinel) or `Cluster` of ioredis 5 or 6. Typing the option by one ioredis
 * version's classes would reject the other's instances (TS2322 on private members).
 */
export interface IoredisConnection {
  duplicate(...args: never[]): unknown;
  defineCommand(name: string, definition: { lua: string; numberOfKeys?: number; readOnly?: boolean }): void;
  readonly status: string;
}

/** The caller's connection as the store uses it (the ioredis 5 and 6 APIs it calls are the same). */
export function asAnyRedis(conn: IoredisConnection): AnyRedis {
  return conn as unknown as AnyRedis;
}

type Arg = string | number;

/** The scripts of scripts.ts as defined commands (ioredis EVALSHA with EVAL fallback). */
export interface ScriptCommands {
  bwTransition(state: string, votes: string, probe: string, counts: string, ...args: Arg[]): Promise<unknown>;
  bwAcquire(state: string, probe: string, ...args: Arg[]): Promise<unknown>;
  bwRelease(probe: string, instanceId: string): Promise<unknown>;
  bwRead(state: string, votes: string, probe: string, ttlMs: Arg): Promise<unknown>;
  bwAggregate(counts: string, ...args: Arg[]): Promise<unknown>;
  /** Generations of many state hashes (standalone only: keys of different breakers are on different Cluster slots). */
  bwGens(numKeys: number, ...keys: string[]): Promise<unknown>;
  hget(key: string, field: string): Promise<string | null>;
  zrem(key: string, member: string): Promise<unknown>;
  ping(): Promise<unknown>;
}

/** A pipeline with the scripts defined on it. */
export interface ScriptPipeline {
  bwRead(state: string, votes: string, probe: string, ttlMs: Arg): ScriptPipeline;
  zadd(key: string, ...scoreMembers: Arg[]): ScriptPipeline;
  pexpire(key: string, ms: number): ScriptPipeline;
  zremrangebyscore(key: string, min: Arg, max: Arg): ScriptPipeline;
  exec(): Promise<Array<[Error | null, unknown]> | null>;
}

/** Defines the store's scripts on `conn` (idempotent per connection) and returns the typed view. */
export function withScripts(conn: AnyRedis): ScriptCommands {
  const c = conn as unknown as Record<string, unknown>;
  for (const [name, def] of Object.entries(SCRIPTS)) {
    if (typeof c[name] !== 'function')
      conn.defineCommand(
        name,
        def.numberOfKeys === undefined ? { lua: def.lua } : { lua: def.lua, numberOfKeys: def.numberOfKeys },
      );
  }
  return conn as unknown as ScriptCommands;
}

/** True for a Cluster connection. */
export function isCluster(conn: AnyRedis): conn is Cluster {
  return conn instanceof Cluster || (conn as { isCluster?: unknown }).isCluster === true;
}

interface Bounds {
  commandTimeoutMs: number;
  /** Pause before reconnect attempt `times` (the store backs off harder while credentials are rejected). */
  retryDelay(times: number): number;
  connectionName: string;
}

/**
 * A slots refresh that asks a hung node must give up quickly and ask the next one, or a frozen
 * master delays routing to its promoted replica by the default second.
 */
function slotsRefreshTimeout(b: Bounds): number {
  return Math.min(1000, Math.max(200, b.commandTimeoutMs * 2));
}

/**
 * Behind Sentinel: reconnect as soon as the sentinels announce a new master (+switch-master)
 * instead of talking to the old one until it fails — a frozen master never does.
 */
function sentinelFailover(source: AnyRedis): { failoverDetector?: boolean } {
  const sentinels = (source.options as { sentinels?: unknown }).sentinels;
  return Array.isArray(sentinels) && sentinels.length > 0 ? { failoverDetector: true } : {};
}

/**
 * Duplicates the caller's connection for the store's own use, with the settings that keep calls
 * from ever waiting on Redis: no offline queue (commands fail at once while disconnected), no
 * per-command retries, a bounded command timeout and a short, capped reconnect backoff (so a
 * restarted Redis is picked up within a second). Lazy: the caller connects and listens first.
 */
export function duplicateForCommands(source: AnyRedis, b: Bounds): AnyRedis {
  const retry = (times: number): number => b.retryDelay(times);
  if (isCluster(source)) {
    return source.duplicate([], {
      lazyConnect: true,
      enableOfflineQueue: false,
      clusterRetryStrategy: retry,
      slotsRefreshTimeout: slotsRefreshTimeout(b),
      redisOptions: {
        ...source.options.redisOptions,
        commandTimeout: b.commandTimeoutMs,
        maxRetriesPerRequest: 0,
        connectionName: b.connectionName,
      },
    });
  }
  return source.duplicate({
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: b.commandTimeoutMs,
    retryStrategy: retry,
    connectionName: b.connectionName,
    ...sentinelFailover(source),
  });
}

/**
 * Duplicates the caller's connection for pub/sub. Subscriptions are re-sent on every reconnect
 * (autoResubscribe) and the offline queue stays on because nothing but SUBSCRIBE goes through it.
 */
export function duplicateForSubscriber(source: AnyRedis, b: Bounds): AnyRedis {
  const retry = (times: number): number => b.retryDelay(times);
  if (isCluster(source)) {
    return source.duplicate([], {
      lazyConnect: true,
      clusterRetryStrategy: retry,
      slotsRefreshTimeout: slotsRefreshTimeout(b),
      redisOptions: {
        ...source.options.redisOptions,
        autoResubscribe: true,
        connectionName: `${b.connectionName}:sub`,
      },
    });
  }
  return source.duplicate({
    lazyConnect: true,
    autoResubscribe: true,
    maxRetriesPerRequest: null,
    commandTimeout: undefined,
    retryStrategy: retry,
    connectionName: `${b.connectionName}:sub`,
    ...sentinelFailover(source),
  });
}

/**
 * Forces a reconnect of a connection whose peer is connected but silent (a frozen node): the
 * socket is destroyed, since a graceful end never completes against a peer that does not read.
 * ioredis then reconnects by its retry strategy (behind Sentinel: to the master the sentinels
 * name now).
 */
export function dropSocket(conn: AnyRedis): void {
  const stream = (conn as unknown as { stream?: { destroy?: () => void } }).stream;
  if (typeof stream?.destroy === 'function') stream.destroy();
  else conn.disconnect(true);
}

/** Quits gracefully when connected (bounded by `ms`), else drops the socket. Never rejects. */
export async function closeConnection(conn: AnyRedis, ms: number): Promise<void> {
  if (conn.status === 'ready') {
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      conn.quit().catch(() => undefined),
      new Promise((resolve) => {
        timer = setTimeout(resolve, ms);
      }),
    ]);
    clearTimeout(timer);
  }
  conn.disconnect();
}

/** ioredis reports script/data errors as ReplyError; those do not mean the connection is unwell. */
export function isReplyError(e: unknown): boolean {
  return e instanceof Error && e.name === 'ReplyError';
}
