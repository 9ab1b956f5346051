import { hostname } from 'node:os';
import { asAnyRedis, withScripts, type AnyRedis, type IoredisConnection, type ScriptCommands } from './connections.js';
import { canonicalRecord, checkSecret, RecordAuth } from './auth.js';
import { MAX_GEN, maxOpenMsFor } from './bounds.js';
import { breakerKeys, eventsChannel, registryKey } from './keys.js';
import { runTransition } from './transition-write.js';
import { parseScriptReply, type FleetStateName, type ScriptReply } from './records.js';

/** One breaker as the fleet sees it (for operators). */
export interface FleetBreakerInfo {
  readonly name: string;
  /**
   * 'unknown' when Redis holds no state for it (never tripped, or expired): replicas treat it as
   * closed. 'unauthenticated' (admin with a secret): the record has no valid MAC, replicas with the
   * secret ignore it.
   */
  readonly state: FleetStateName | 'unknown' | 'malformed' | 'unauthenticated';
  readonly generation: number;
  /** Unexpired quorum votes. */
  readonly votes: number;
  /** Instance id holding the probe lease, if any. */
  readonly probeHolder: string | undefined;
  readonly reason: string;
  /** Instance id (or `cli:...`) that made the last transition. */
  readonly origin: string;
  /** Redis time of the last transition (epoch ms), 0 if none. */
  readonly at: number;
  /** Redis time now (epoch ms). */
  readonly now: number;
  /** While open: ms until the fleet may probe. */
  readonly openForMs: number;
}

/** {@link FleetBreakerInfo} plus the raw Redis record, the voters and the probe lease (`inspect`). */
export interface FleetBreakerDetails {
  readonly info: FleetBreakerInfo;
  /** True when a replica (or the CLI) registered the name under this prefix. */
  readonly registered: boolean;
  /** The state hash as stored (untrusted: any Redis client may have written it). */
  readonly record: Readonly<Record<string, string>>;
  /** Unexpired and expired quorum votes with their expiry (epoch ms). */
  readonly votes: ReadonlyArray<{ instance: string; expiresAt: number }>;
  /** The fleet probe lease, when held. */
  readonly lease: { holder: string; ttlMs: number } | undefined;
}

const KEY_TTL_MS = 24 * 3600_000;
/** The CLI does not know the breakers' halfOpenAfterMs: judge records by the 24 h floor. */
const MAX_OPEN_MS = maxOpenMsFor(0);

/**
 * Fleet-wide manual control of breakers sharing a {@link RedisBreakerStore} prefix: list,
 * isolate, release, reset. Every change is one compare-and-set script that also publishes it, so
 * running replicas apply it within milliseconds. Used by the `breakwater-redis` CLI.
 */
export class FleetAdmin {
  private readonly scripts: ScriptCommands;
  private readonly redis: AnyRedis;
  private readonly auth: RecordAuth | undefined;

  /**
   * `redis`: an ioredis (5 or 6) `Redis` or `Cluster`, used as is (never quit by the admin).
   * `options.secret`: the stores' secret (string or rotation array): writes are signed so replicas
   * adopt them, and reads report records without a valid MAC as `'unauthenticated'`.
   */
  constructor(
    redis: IoredisConnection,
    readonly prefix = 'bw',
    readonly origin = `cli:${hostname()}:${process.pid}`,
    options: { secret?: string | readonly string[] } = {},
  ) {
    this.redis = asAnyRedis(redis);
    this.scripts = withScripts(this.redis);
    const secrets = checkSecret(options.secret, 'FleetAdmin.secret');
    this.auth = secrets === undefined ? undefined : new RecordAuth(secrets, prefix);
  }

  /** True when the admin signs its writes (it was given the secret). */
  get signing(): boolean {
    return this.auth !== undefined;
  }

  /** Every breaker replicas registered under this prefix, sorted by name. */
  async list(): Promise<FleetBreakerInfo[]> {
    const names = (await this.redis.zrange(registryKey(this.prefix), 0, -1)).sort();
    return Promise.all(names.map((n) => this.inspect(n)));
  }

  /** One breaker's fleet state. */
  async inspect(name: string): Promise<FleetBreakerInfo> {
    const k = breakerKeys(this.prefix, name);
    return this.info(name, parseScriptReply(await this.scripts.bwRead(k.state, k.votes, k.probe, KEY_TTL_MS)));
  }

  /** True when `name` is in this prefix's registry (a replica or the CLI used it). */
  async isRegistered(name: string): Promise<boolean> {
    return (await this.redis.zscore(registryKey(this.prefix), name)) !== null;
  }

  /** {@link inspect} plus the raw record, the voters and the probe lease. */
  async details(name: string): Promise<FleetBreakerDetails> {
    const k = breakerKeys(this.prefix, name);
    const [info, registered, record, votes, holder, ttl] = await Promise.all([
      this.inspect(name),
      this.isRegistered(name),
      this.redis.type(k.state).then((t) => (t === 'hash' ? this.redis.hgetall(k.state) : {})),
      this.redis.type(k.votes).then((t) => (t === 'zset' ? this.redis.zrange(k.votes, 0, -1, 'WITHSCORES') : [])),
      this.redis.type(k.probe).then((t) => (t === 'string' ? this.redis.get(k.probe) : null)),
      this.redis.pttl(k.probe),
    ]);
    const voters: Array<{ instance: string; expiresAt: number }> = [];
    for (let i = 0; i + 1 < votes.length; i += 2) voters.push({ instance: votes[i]!, expiresAt: Number(votes[i + 1]) });
    return { info, registered, record, votes: voters, lease: holder === null ? undefined : { holder, ttlMs: ttl } };
  }

  /**
   * Removes `name` from the registry and deletes its keys (state, votes, lease, counts). Replicas
   * still using it keep their local state and re-register on their next transition; use it for
   * names no replica uses any more (renamed breakers, typos).
   */
  async forget(name: string): Promise<{ existed: boolean }> {
    const k = breakerKeys(this.prefix, name);
    const removed = await this.redis.zrem(registryKey(this.prefix), name);
    // One DEL per key: in a Cluster they share a hash tag, but the registry does not.
    let deleted = 0;
    for (const key of [k.state, k.votes, k.probe, k.counts]) deleted += await this.redis.del(key);
    return { existed: removed > 0 || deleted > 0 };
  }

  /** Isolates `name` on every replica until {@link release}d. */
  async isolate(name: string): Promise<FleetBreakerInfo> {
    await this.write(name, 'isolated', 'isolated by operator');
    return this.inspect(name);
  }

  /** Ends a fleet isolation. `changed: false` when the breaker was not isolated. */
  async release(name: string): Promise<{ changed: boolean; info: FleetBreakerInfo }> {
    const r = await this.write(name, 'closed', 'released by operator', 'isolated');
    const info = await this.inspect(name);
    return { changed: r.status === 'ok', info };
  }

  /**
   * Forces `name` closed on every replica and clears its votes, probe lease and counts, whatever
   * the record holds (also one no replica accepts: a forged generation or open period).
   */
  async reset(name: string): Promise<FleetBreakerInfo> {
    await this.write(name, 'closed', 'reset by operator');
    return this.inspect(name);
  }

  /** One unconditional write ('force': no compare-and-set, so it cannot lose a race or meet garbage). */
  private async write(
    name: string,
    state: FleetStateName,
    reason: string,
    onlyFrom: FleetStateName | '' = '',
  ): Promise<ScriptReply> {
    const k = breakerKeys(this.prefix, name);
    await this.register(name);
    const cur = await this.inspect(name);
    return parseScriptReply(
      await runTransition(this.scripts, {
        keys: k,
        expectedGen: cur.generation,
        proposedGen: 0,
        state,
        reason,
        origin: this.origin,
        openMs: 1,
        ttlMs: KEY_TTL_MS,
        quorum: 1,
        kind: 'force',
        channel: eventsChannel(this.prefix),
        prefix: this.prefix,
        name,
        maxOpenMs: MAX_OPEN_MS,
        maxGen: MAX_GEN,
        onlyFromState: onlyFrom,
        openAttempt: 0,
        pads: this.auth?.pads ?? '',
      }),
    );
  }

  private async register(name: string): Promise<void> {
    const reg = registryKey(this.prefix);
    await this.redis.zadd(reg, Date.now(), name);
    await this.redis.pexpire(reg, 7 * 24 * 3600_000);
  }

  private info(name: string, r: ScriptReply): FleetBreakerInfo {
    const [votes = '0', holder = ''] = r.extra.split('|');
    const parsed = typeof r.record === 'object' ? r.record : undefined;
    const unauthenticated =
      parsed !== undefined &&
      this.auth !== undefined &&
      !this.auth.verify(canonicalRecord(this.prefix, name, r.texts), r.mac);
    const rec = unauthenticated ? undefined : parsed;
    return {
      name,
      state: unauthenticated ? 'unauthenticated' : (rec?.state ?? (r.record === 'malformed' ? 'malformed' : 'unknown')),
      generation: rec?.gen ?? 0,
      votes: Number(votes) || 0,
      probeHolder: holder === '' ? undefined : holder,
      reason: rec?.reason ?? '',
      origin: rec?.origin ?? '',
      at: rec?.at ?? 0,
      now: r.now,
      openForMs: rec !== undefined && rec.state === 'open' ? Math.max(0, rec.openUntil - r.now) : 0,
    };
  }
}
