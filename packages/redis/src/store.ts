import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { BreakerLink, BreakerParticipant, BreakerStore } from '@breakwater/core';
import { BreakerGroup } from './breaker-group.js';
import {
  closeConnection, duplicateForCommands, duplicateForSubscriber, isCluster, isReplyError, withScripts,
  type AnyRedis, type ScriptPipeline,
} from './connections.js';
import type { StoreContext } from './context.js';
import { eventsChannel, registryKey } from './keys.js';
import { resolveStoreOptions, type RedisBreakerStoreOptions, type ResolvedStoreOptions } from './options.js';
import { parseMessage, parseScriptReply, type ScriptReply } from './records.js';

/** Counters of {@link RedisBreakerStore.stats}. */
export interface RedisStoreStats {
  /** Commands sent by the store (scripts, pings, registry updates). */
  commands: number;
  /** Commands that failed or timed out (absorbed; never seen by calls). */
  errors: number;
  /** Pub/sub messages received on the store's channel. */
  messagesIn: number;
  /** Malformed messages and hashes ignored. */
  messagesIgnored: number;
  /**
   * Records refused as implausible: a generation far ahead of the last one seen, or an open
   * period ending beyond max(halfOpenAfterMs × 100, 24 h). Never adopted; overwritten by the next write.
   */
  refused: number;
  /** Completed resyncs (connect, reconnect, recovery, periodic). */
  resyncs: number;
}

/** A store command outlived `commandTimeoutMs`. */
class StoreCommandTimeout extends Error {
  constructor(ms: number) {
    super(`Redis store command timed out after ${ms}ms`);
    this.name = 'StoreCommandTimeout';
  }
}

const REGISTRY_RETENTION_MS = 7 * 24 * 3600_000;

function defaultInstanceId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
}

/**
 * Circuit-breaker state shared across replicas through Redis (ioredis, standalone or Cluster).
 * Breakers decide locally; each transition is one Lua script (compare-and-set on the fleet
 * generation, `openUntil` from Redis TIME) that also publishes it; other replicas adopt newer
 * generations. One replica at a time holds the fleet's probe lease. Redis trouble never fails or
 * delays a call: the store reports `healthy === false`, breakers run locally, and state is
 * resynced when Redis is back.
 */
export class RedisBreakerStore implements BreakerStore {
  private readonly o: ResolvedStoreOptions;
  private readonly cmd: AnyRedis;
  private readonly sub: AnyRedis;
  private readonly ctx: StoreContext;
  private readonly groups = new Map<string, BreakerGroup>();
  private readonly counters: RedisStoreStats = { commands: 0, errors: 0, messagesIn: 0, messagesIgnored: 0, refused: 0, resyncs: 0 };
  private cmdReady = false;
  private subReady = false;
  private synced = false;
  private degraded = false;
  private closed = false;
  private resyncing = false;
  private resyncAgain = false;
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private healthTimer: ReturnType<typeof setTimeout> | undefined;
  private resyncTimer: ReturnType<typeof setTimeout> | undefined;
  private closing: Promise<void> | undefined;

  constructor(options: RedisBreakerStoreOptions) {
    this.o = resolveStoreOptions(options, defaultInstanceId);
    const bounds = { commandTimeoutMs: this.o.commandTimeoutMs, reconnectMaxDelayMs: this.o.reconnectMaxDelayMs, connectionName: 'breakwater-store' };
    this.cmd = duplicateForCommands(this.o.redis, bounds);
    this.sub = duplicateForSubscriber(this.o.redis, bounds);
    const scripts = withScripts(this.cmd);
    const channel = eventsChannel(this.o.prefix);
    const store = this;
    this.ctx = {
      options: this.o,
      channel,
      get healthy() { return store.healthy; },
      scripts,
      run: (op) => this.run(op),
      ignored: () => { this.counters.messagesIgnored += 1; },
      refused: () => { this.counters.refused += 1; },
      report: (e) => this.report(e),
      requestResync: () => this.resyncSoon(),
      forget: (name) => { this.groups.delete(name); },
    };
    this.wire(channel);
    this.every(this.o.resyncIntervalMs, () => this.resync());
    if (this.o.mode === 'aggregate') this.every(this.o.flushIntervalMs, () => { for (const g of this.groups.values()) g.flushCounts(); });
    this.cmd.connect().catch((e: unknown) => this.report(e));
    this.sub.connect().catch((e: unknown) => this.report(e));
  }

  /** This replica's id in votes, leases and messages. */
  get instanceId(): string {
    return this.o.instanceId;
  }

  /** Key and channel namespace. */
  get prefix(): string {
    return this.o.prefix;
  }

  /** False while Redis is unreachable, slow or not yet resynced: breakers then run locally. */
  get healthy(): boolean {
    return !this.closed && this.cmdReady && this.subReady && this.synced && !this.degraded;
  }

  /** Counters since construction. */
  stats(): RedisStoreStats {
    return { ...this.counters };
  }

  /**
   * BreakerStore: called by `circuitBreaker({ store })`. Breakers with the same name on one store
   * share state directly; a new name is read from Redis (it may be open elsewhere) and registered.
   */
  attach(participant: BreakerParticipant): BreakerLink {
    let g = this.groups.get(participant.name);
    const fresh = g === undefined;
    if (g === undefined) {
      g = new BreakerGroup(participant.name, this.ctx);
      this.groups.set(participant.name, g);
    }
    const link = g.attach(participant);
    // A new name: read what the fleet knows of it (it may be open elsewhere) and register it.
    if (fresh && this.cmdReady && this.subReady) this.resyncSoon();
    return link;
  }

  /** Stops timers, releases held probe leases and closes the store's own connections (never the caller's). */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    // Hand back held probe leases first so another replica can probe without waiting for their TTL.
    if (this.healthy) await Promise.all([...this.groups.values()].map((g) => g.releaseLease()));
    for (const g of this.groups.values()) g.dispose();
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    if (this.healthTimer !== undefined) clearTimeout(this.healthTimer);
    if (this.resyncTimer !== undefined) clearTimeout(this.resyncTimer);
    this.groups.clear();
    await Promise.all([closeConnection(this.cmd, this.o.commandTimeoutMs), closeConnection(this.sub, this.o.commandTimeoutMs)]);
  }

  // ---- connections ------------------------------------------------------------------------

  private wire(channel: string): void {
    const down = (which: 'cmd' | 'sub') => (): void => {
      if (which === 'cmd') this.cmdReady = false; else this.subReady = false;
      this.synced = false;
    };
    this.cmd.on('error', (e: unknown) => this.report(e));
    this.sub.on('error', (e: unknown) => this.report(e));
    for (const ev of ['close', 'end', 'reconnecting']) {
      this.cmd.on(ev, down('cmd'));
      this.sub.on(ev, down('sub'));
    }
    this.cmd.on('ready', () => {
      this.cmdReady = true;
      this.degraded = false;
      this.resync();
    });
    this.sub.on('ready', () => {
      (this.sub.subscribe(channel) as Promise<unknown>).then(() => {
        this.subReady = true;
        this.resync();
      }, (e: unknown) => this.report(e));
    });
    this.sub.on('message', (ch: string, payload: string) => this.onMessage(ch, payload, channel));
  }

  private onMessage(ch: string, payload: string, channel: string): void {
    if (this.closed || ch !== channel) return;
    this.counters.messagesIn += 1;
    const m = typeof payload === 'string' ? parseMessage(payload) : undefined;
    if (m === undefined || m.prefix !== this.o.prefix) {
      this.counters.messagesIgnored += 1;
      return;
    }
    // A hint, never state: the breaker's hash is re-read (own echoes need no read).
    if (m.origin !== this.o.instanceId) this.groups.get(m.name)?.refresh();
  }

  /** `ms`: a longer bound for a pipeline of many commands. */
  private run<T>(op: () => Promise<T>, ms = this.o.commandTimeoutMs): Promise<T> {
    if (this.closed) return Promise.reject(new Error('RedisBreakerStore is closed'));
    this.counters.commands += 1;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new StoreCommandTimeout(ms)), ms); });
    let attempt: Promise<T>;
    try {
      attempt = op();
    } catch (e) {
      attempt = Promise.reject(e);
    }
    return Promise.race([attempt, timeout]).then(
      (v) => { clearTimeout(timer); return v; },
      (e: unknown) => { clearTimeout(timer); this.fail(e); throw e; },
    );
  }

  /** Connected and not degraded by a timeout (a data error on one key leaves this true). */
  private healthyConnection(): boolean {
    return !this.closed && this.cmdReady && !this.degraded;
  }

  private fail(e: unknown): void {
    this.counters.errors += 1;
    this.report(e);
    if (this.closed || isReplyError(e)) return; // a script or data error; the connection is fine
    this.degraded = true;
    this.scheduleHealthProbe();
  }

  /** While degraded: PING until Redis answers in time, then resync. */
  private scheduleHealthProbe(): void {
    if (this.healthTimer !== undefined || this.closed) return;
    this.healthTimer = setTimeout(() => {
      this.healthTimer = undefined;
      if (this.closed || !this.degraded) return;
      if (!this.cmdReady) return; // the 'ready' handler takes over after reconnecting
      this.run(() => this.ctx.scripts.ping()).then(() => {
        this.degraded = false;
        this.synced = false;
        this.resync();
      }, () => this.scheduleHealthProbe());
    }, Math.min(500, Math.max(50, this.o.commandTimeoutMs)));
    this.healthTimer.unref?.();
  }

  private report(e: unknown): void {
    const fn = this.o.onError;
    if (fn === undefined) return;
    try { fn(e); } catch { /* a throwing onError must not break the store */ }
  }

  private every(ms: number, fn: () => void): void {
    if (ms <= 0) return;
    const t = setInterval(fn, ms);
    t.unref?.();
    this.timers.add(t);
  }

  // ---- resync -----------------------------------------------------------------------------

  private resyncSoon(): void {
    if (this.resyncTimer !== undefined || this.closed) return;
    this.resyncTimer = setTimeout(() => { this.resyncTimer = undefined; this.resync(); }, 0);
    this.resyncTimer.unref?.();
  }

  /** Reads every known breaker in one round trip, reconciles, then pushes pending local transitions. */
  private resync(): void {
    if (this.closed || !this.cmdReady || !this.subReady) return;
    if (this.resyncing) {
      this.resyncAgain = true;
      return;
    }
    this.resyncing = true;
    const groups = [...this.groups.values()];
    this.readAll(groups).then((replies) => {
      groups.forEach((g, i) => {
        const r = replies[i];
        if (r !== undefined && this.groups.get(g.name) === g) g.onResync(r);
      });
      this.counters.resyncs += 1;
      this.synced = true;
      this.degraded = false;
      for (const g of this.groups.values()) g.kick();
    }, () => undefined).catch((e: unknown) => this.report(e)).finally(() => {
      this.resyncing = false;
      if (this.resyncAgain) {
        this.resyncAgain = false;
        this.resync();
      }
    });
  }

  /** One reply per group; undefined where that breaker's read failed (e.g. a key of the wrong type). */
  private async readAll(groups: BreakerGroup[]): Promise<Array<ScriptReply | undefined>> {
    const ttl = this.o.keyTtlMs;
    const reg = registryKey(this.o.prefix);
    const now = Date.now();
    const members = groups.flatMap((g) => [now, g.name]);
    if (groups.length === 0) return [];
    if (isCluster(this.cmd)) {
      // Keys of different breakers live on different slots: one command each, sent together.
      const reads = groups.map((g) => this.run(() => this.ctx.scripts.bwRead(g.keys.state, g.keys.votes, g.keys.probe, ttl))
        .then(parseScriptReply, (e: unknown) => { if (!this.healthyConnection()) throw e; return undefined; }));
      this.run(() => this.cmd.zadd(reg, ...members)).catch(() => undefined);
      this.run(() => this.cmd.pexpire(reg, REGISTRY_RETENTION_MS)).catch(() => undefined);
      return Promise.all(reads);
    }
    return this.run(async () => {
      const p = (this.cmd.pipeline() as unknown) as ScriptPipeline;
      for (const g of groups) p.bwRead(g.keys.state, g.keys.votes, g.keys.probe, ttl);
      p.zadd(reg, ...members);
      p.pexpire(reg, REGISTRY_RETENTION_MS);
      p.zremrangebyscore(reg, '-inf', now - REGISTRY_RETENTION_MS);
      const res = (await p.exec()) ?? [];
      this.counters.commands += Math.max(0, res.length - 1);
      return groups.map((_, i) => {
        const [err, value] = res[i] ?? [new Error('missing pipeline reply'), undefined];
        if (err === null) return parseScriptReply(value);
        // One bad key must not stop the others from syncing.
        this.counters.errors += 1;
        this.report(err);
        return undefined;
      });
    }, this.o.commandTimeoutMs * Math.ceil((groups.length + 1) / 200));
  }
}
