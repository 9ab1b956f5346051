import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { ConfigError } from '@breakwater/core';
import { checkFunction, checkOptions, describeValue } from '@breakwater/core/internal';
import { checkSecret, MIN_SECRET_LENGTH, RecordAuth } from './auth.js';
import { asAnyRedis, type AnyRedis, type IoredisConnection } from './connections.js';

/** Options of {@link RedisBreakerStore}. */
export interface RedisBreakerStoreOptions {
  /** The caller's ioredis (5 or 6) `Redis` or `Cluster`. The store duplicates it and never quits it. */
  redis: IoredisConnection;
  /** Namespace of keys and channel. Default `'bw'`. */
  prefix?: string;
  /** `'state'` (default): share transitions. `'aggregate'`: also trip on fleet-wide outcome totals. */
  mode?: 'state' | 'aggregate';
  /** Mode `state`: replicas that must trip on their own before the fleet opens. Default 1. */
  quorum?: number;
  /** Mode `aggregate`: how often counts are flushed to Redis. Default 500 ms. */
  flushIntervalMs?: number;
  /** Mode `aggregate`: the fleet-wide window totals cover. Default 10_000 ms. */
  aggregateWindowMs?: number;
  /** Bound on every store command; a slower Redis counts as unavailable. Default 250 ms. */
  commandTimeoutMs?: number;
  /** This replica's id in votes, leases and messages. Default `<hostname>:<pid>:<random>`. */
  instanceId?: string;
  /** Called with every Redis error the store absorbs (they never reach calls). */
  onError?: (e: unknown) => void;
  /** TTL of the fleet probe lease. Default: the breaker's probeTimeoutMs, else halfOpenAfterMs, clamped to 1–30 s. */
  probeLeaseMs?: number;
  /** TTL of state hashes, refreshed while a replica uses them (isolated states never expire). Default 24 h. */
  keyTtlMs?: number;
  /** Periodic resync as a safety net for lost messages; 0 disables. Default 30_000 ms. */
  resyncIntervalMs?: number;
  /**
   * Cheap check that Redis still holds the generations this replica knows (one script for all
   * breakers; one HGET per breaker on a Cluster), so a lost message or a FLUSHALL is healed within
   * this interval; 0 disables. Default 2000 ms.
   */
  versionCheckIntervalMs?: number;
  /** Longest pause between reconnection attempts of the store's own connections. Default 500 ms. */
  reconnectMaxDelayMs?: number;
  /**
   * Authenticates records and messages (HMAC): records and messages without a valid MAC are refused
   * and counted (`stats().unauthenticatedRecords` / `unauthenticatedMessages`) and reported to
   * `onError`. An array rotates keys: every key verifies, writes carry a MAC per key. At least 16
   * characters recommended. Default: none (anyone who can write to Redis can trip breakers).
   */
  secret?: string | readonly string[];
}

/** Options after validation, defaults applied. */
export interface ResolvedStoreOptions {
  readonly redis: AnyRedis;
  readonly prefix: string;
  readonly mode: 'state' | 'aggregate';
  readonly quorum: number;
  readonly flushIntervalMs: number;
  readonly aggregateWindowMs: number;
  readonly commandTimeoutMs: number;
  readonly instanceId: string;
  readonly onError: ((e: unknown) => void) | undefined;
  readonly probeLeaseMs: number | undefined;
  readonly keyTtlMs: number;
  readonly resyncIntervalMs: number;
  readonly versionCheckIntervalMs: number;
  readonly reconnectMaxDelayMs: number;
  /** Signs and verifies records and messages; undefined without a secret. */
  readonly auth: RecordAuth | undefined;
  /** The configured secrets (to redact them from errors). */
  readonly secrets: readonly string[];
}

const P = 'redisBreakerStore';

function duration(o: Record<string, unknown>, key: string, dflt: number, min: number, allowZero = false): number {
  const v = o[key];
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isFinite(v) || (v < min && !(allowZero && v === 0))) {
    throw new ConfigError(
      `${P}.${key}`,
      `expected a number of milliseconds ≥ ${min}${allowZero ? ' (or 0 to disable)' : ''}, got ${describeValue(v)}`,
    );
  }
  return v;
}

function looksLikeIoredis(v: unknown): v is IoredisConnection {
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof (v as { duplicate?: unknown }).duplicate === 'function' &&
    typeof (v as { defineCommand?: unknown }).defineCommand === 'function'
  );
}

/** Validates options; throws ConfigError naming the field, the expected form and what was found. */
export function resolveStoreOptions(
  input: RedisBreakerStoreOptions,
  defaultInstanceId: () => string,
): ResolvedStoreOptions {
  checkOptions(P, input, true);
  const o = input as unknown as Record<string, unknown>;
  if (!looksLikeIoredis(o['redis'])) {
    throw new ConfigError(
      `${P}.redis`,
      `expected an ioredis Redis or Cluster instance, got ${describeValue(o['redis'])}`,
    );
  }
  const prefix = o['prefix'] ?? 'bw';
  if (typeof prefix !== 'string' || prefix.length === 0 || prefix.length > 200 || /[{}\s]/.test(prefix)) {
    throw new ConfigError(
      `${P}.prefix`,
      `expected a non-empty string without braces or whitespace (≤ 200 chars), got ${describeValue(prefix)}`,
    );
  }
  const mode = o['mode'] ?? 'state';
  if (mode !== 'state' && mode !== 'aggregate')
    throw new ConfigError(`${P}.mode`, `expected 'state' or 'aggregate', got ${describeValue(mode)}`);
  const quorum = o['quorum'] ?? 1;
  if (typeof quorum !== 'number' || !Number.isInteger(quorum) || quorum < 1 || quorum > 10_000) {
    throw new ConfigError(`${P}.quorum`, `expected an integer from 1 to 10000, got ${describeValue(quorum)}`);
  }
  const instanceId = o['instanceId'] ?? defaultInstanceId();
  if (typeof instanceId !== 'string' || instanceId.length === 0 || instanceId.length > 200) {
    throw new ConfigError(
      `${P}.instanceId`,
      `expected a non-empty string (≤ 200 chars), got ${describeValue(instanceId)}`,
    );
  }
  const onError = o['onError'];
  checkFunction(`${P}.onError`, onError);
  const probeLease = o['probeLeaseMs'];
  const secrets = checkSecret(o['secret'], `${P}.secret`) ?? [];
  if (secrets.some((k) => k.length < MIN_SECRET_LENGTH)) {
    const why = `a secret shorter than ${MIN_SECRET_LENGTH} characters is easy to guess; use a long random one`;
    process.emitWarning(`@breakwater/redis: ${why}`, {
      code: 'BW_REDIS_WEAK_SECRET',
    });
  }
  return {
    redis: asAnyRedis(o['redis']),
    prefix,
    mode,
    quorum,
    flushIntervalMs: duration(o, 'flushIntervalMs', 500, 10),
    aggregateWindowMs: duration(o, 'aggregateWindowMs', 10_000, 100),
    commandTimeoutMs: duration(o, 'commandTimeoutMs', 250, 1),
    instanceId,
    onError: onError as ((e: unknown) => void) | undefined,
    probeLeaseMs: probeLease === undefined ? undefined : duration(o, 'probeLeaseMs', 0, 10),
    keyTtlMs: duration(o, 'keyTtlMs', 24 * 3600_000, 1000),
    resyncIntervalMs: duration(o, 'resyncIntervalMs', 30_000, 100, true),
    versionCheckIntervalMs: duration(o, 'versionCheckIntervalMs', 2000, 100, true),
    reconnectMaxDelayMs: duration(o, 'reconnectMaxDelayMs', 500, 10),
    auth: secrets.length > 0 ? new RecordAuth(secrets, prefix) : undefined,
    secrets,
  };
}

/** `host:pid:random`: this replica's id in votes, leases and messages unless `instanceId` is given. */
export function defaultInstanceId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
}
