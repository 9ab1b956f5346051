import { ConfigError, type BreakerStore } from '@breakwater/core';
import { type BreakerLink, type BreakerParticipant } from '@breakwater/core/internal';
import { BreakerGroup } from './breaker-group.js';
import {
  closeConnection,
  duplicateForCommands,
  duplicateForSubscriber,
  isCluster,
  isReplyError,
  withScripts,
  type AnyRedis,
} from './connections.js';
import type { StoreContext } from './context.js';
import { authBackoffMs, isAuthError, storeReporter, type ErrorReporter } from './diagnostics.js';
import { HealthTracker, StoreNotReadyError, type StoreHealthEvent } from './health.js';
import { checkBreakerName, eventsChannel } from './keys.js';
import {
  defaultInstanceId,
  resolveStoreOptions,
  type RedisBreakerStoreOptions,
  type ResolvedStoreOptions,
} from './options.js';
import { judgeMessage } from './message-filter.js';
import { UnauthenticatedNotices } from './auth.js';
import type { ReadDeps } from './read-all.js';
import { Resyncs } from './resync.js';
import { runBounded } from './bounded-run.js';
import { HangGuard, WATCHDOG_MS } from './hang-guard.js';
import type { RedisStoreStats } from './stats.js';

export type { RedisStoreStats } from './stats.js';

/** Cluster: how long after a shard timed out (or the node set changed) versions are checked often, and how often. */
const TROUBLE_MS = 10_000;
const TROUBLE_CHECK_MS = 500;

/**
 * Circuit-breaker state shared across replicas through Redis (ioredis, standalone or Cluster).
 * Breakers decide locally; each transition is one Lua script (compare-and-set on the fleet
 * generation, `openUntil` from Redis TIME) that also publishes it; other replicas adopt newer
 * generations. One replica at a time holds the fleet's probe lease. Redis trouble never fails or
 * delays a call: the store reports `healthy === false`, breakers run locally, and state is
 * resynced when Redis is back.
 */
export class RedisBreakerStore implements BreakerStore {
  private readonly opts: ResolvedStoreOptions;
  private readonly cmd: AnyRedis;
  private readonly sub: AnyRedis;
  private readonly ctx: StoreContext;
  private readonly groups = new Map<string, BreakerGroup>();
  private readonly counters: RedisStoreStats = {
    commands: 0,
    errors: 0,
    messagesIn: 0,
    messagesIgnored: 0,
    refused: 0,
    unauthenticatedMessages: 0,
    unauthenticatedRecords: 0,
    resyncs: 0,
    connectionErrors: 0,
    authErrors: 0,
  };
  private cmdReady = false;
  private subReady = false;
  private synced = false;
  private degraded = false;
  private closed = false;
  private readonly guard: HangGuard;
  /** Cluster: until when version checks run every TROUBLE_CHECK_MS (epoch ms). */
  private troubleUntil = 0;
  private readonly resyncs: Resyncs;
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private healthTimer: ReturnType<typeof setTimeout> | undefined;
  private closing: Promise<void> | undefined;
  private readonly health = new HealthTracker(() => this.healthy);
  private readonly readDeps: ReadDeps;
  private readonly reporter: ErrorReporter;
  private readonly notices: UnauthenticatedNotices;
  /** Consecutive connection attempts rejected for credentials (reset when a connection is ready). */
  private authFailures = 0;

  constructor(options: RedisBreakerStoreOptions) {
    this.opts = resolveStoreOptions(options, defaultInstanceId);
    this.reporter = storeReporter(this.opts);
    // Not the health's lastError: refused data says nothing about the connection.
    this.notices = new UnauthenticatedNotices((e) => this.reporter.report(e));
    const retryDelay = (times: number): number =>
      this.authFailures > 0 ? authBackoffMs(this.authFailures) : Math.min(times * 50, this.opts.reconnectMaxDelayMs);
    const bounds = { commandTimeoutMs: this.opts.commandTimeoutMs, retryDelay, connectionName: 'breakwater-store' };
    this.cmd = duplicateForCommands(this.opts.redis, bounds);
    this.sub = duplicateForSubscriber(this.opts.redis, bounds);
    const scripts = withScripts(this.cmd);
    this.guard = new HangGuard([this.cmd, this.sub], this.opts.commandTimeoutMs);
    const channel = eventsChannel(this.opts.prefix);
    const store = this;
    this.ctx = {
      options: this.opts,
      channel,
      get healthy() {
        return store.healthy;
      },
      scripts,
      run: (op) => this.run(op),
      ignored: () => {
        this.counters.messagesIgnored += 1;
      },
      refused: () => {
        this.counters.refused += 1;
      },
      unauthenticated: (name) => {
        this.counters.unauthenticatedRecords += 1;
        this.notices.note('records', name);
      },
      report: (e) => this.report(e),
      requestResync: () => this.resyncs.soon(),
      forget: (name) => {
        this.groups.delete(name);
      },
    };
    this.readDeps = {
      cmd: this.cmd,
      options: this.opts,
      scripts,
      run: (op, ms) => this.run(op, ms),
      healthyConnection: () => this.healthyConnection(),
      countCommands: (n) => {
        this.counters.commands += n;
      },
      dataError: (e) => {
        this.counters.errors += 1;
        this.report(e);
      },
    };
    this.resyncs = new Resyncs({
      get closed() {
        return store.closed;
      },
      get connected() {
        return store.cmdReady && store.subReady;
      },
      get healthy() {
        return store.healthy;
      },
      groups: this.groups,
      readDeps: this.readDeps,
      resynced: () => {
        this.counters.resyncs += 1;
        this.synced = true;
        this.degraded = false;
        this.health.update();
      },
      report: (e) => this.report(e),
    });
    this.wire(channel);
    this.every(this.opts.resyncIntervalMs, () => this.resyncs.run());
    this.every(this.opts.versionCheckIntervalMs, () => this.resyncs.versionCheck());
    if (!isCluster(this.cmd)) this.every(WATCHDOG_MS, () => this.guard.watchdog());
    // Cluster trouble (a shard timing out, nodes changing): check versions every 500 ms for a
    // while — this replica's pub/sub connection may sit on the node in trouble.
    else
      this.every(TROUBLE_CHECK_MS, () => {
        if (Date.now() < this.troubleUntil) this.resyncs.versionCheck();
      });
    if (this.opts.mode === 'aggregate')
      this.every(this.opts.flushIntervalMs, () => {
        for (const g of this.groups.values()) g.flushCounts();
      });
    // A failed connect also emits 'error' (counted and reported there); the rejection adds nothing.
    this.cmd.connect().catch(() => undefined);
    this.sub.connect().catch(() => undefined);
  }

  /** This replica's id in votes, leases and messages. */
  get instanceId(): string {
    return this.opts.instanceId;
  }

  /** Key and channel namespace. */
  get prefix(): string {
    return this.opts.prefix;
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
   * `'health'`: `healthy` changed (`{ healthy, at, lastError }`, the error redacted). Returns the
   * unsubscribe function.
   */
  on(event: 'health', fn: (e: StoreHealthEvent) => void): () => void {
    if (event !== 'health')
      throw new TypeError(`RedisBreakerStore.on: unknown event "${String(event)}" (expected 'health')`);
    return this.health.on(fn);
  }

  /**
   * Resolves once the store is healthy (connected, subscribed, resynced); rejects with
   * `StoreNotReadyError` (carrying the last error, e.g. WRONGPASS) after `timeoutMs` (default
   * 5000) or when the store is closed first. Breakers work meanwhile either way; this is for
   * start-up checks and readiness probes.
   */
  ready(o: { timeoutMs?: number } = {}): Promise<void> {
    const ms = o.timeoutMs ?? 5000;
    if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) {
      return Promise.reject(
        new ConfigError(
          'redisBreakerStore.ready.timeoutMs',
          `expected a number of milliseconds ≥ 0, got ${String(ms)}`,
        ),
      );
    }
    if (this.closed)
      return Promise.reject(new StoreNotReadyError('RedisBreakerStore is closed', this.health.lastError));
    return this.health.ready(ms);
  }

  /**
   * BreakerStore: called by `circuitBreaker({ store })`. Breakers with the same name on one store
   * share state directly; a new name is read from Redis (it may be open elsewhere) and registered.
   */
  attach(participant: BreakerParticipant): BreakerLink {
    checkBreakerName(participant.name);
    let g = this.groups.get(participant.name);
    const fresh = g === undefined;
    if (g === undefined) {
      g = new BreakerGroup(participant.name, this.ctx);
      this.groups.set(participant.name, g);
    }
    const link = g.attach(participant);
    // A new name: read what the fleet knows of it (it may be open elsewhere) and register it.
    if (fresh && this.cmdReady && this.subReady) this.resyncs.soon();
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
    this.resyncs.dispose();
    this.groups.clear();
    this.health.update();
    this.health.close();
    await Promise.all([
      closeConnection(this.cmd, this.opts.commandTimeoutMs),
      closeConnection(this.sub, this.opts.commandTimeoutMs),
    ]);
  }

  // ---- connections ------------------------------------------------------------------------

  private wire(channel: string): void {
    const down = (which: 'cmd' | 'sub') => (): void => {
      if (which === 'cmd') this.cmdReady = false;
      else this.subReady = false;
      this.synced = false;
      this.health.update();
    };
    this.cmd.on('error', (e: unknown) => this.connectionError(e));
    this.sub.on('error', (e: unknown) => this.connectionError(e));
    for (const ev of ['close', 'end', 'reconnecting']) {
      this.cmd.on(ev, down('cmd'));
      this.sub.on(ev, down('sub'));
    }
    this.cmd.on('ready', () => {
      this.authFailures = 0;
      this.cmdReady = true;
      this.degraded = false;
      this.resyncs.run();
    });
    this.sub.on('ready', () => {
      this.authFailures = 0;
      (this.sub.subscribe(channel) as Promise<unknown>).then(
        () => {
          this.subReady = true;
          this.resyncs.run();
        },
        (e: unknown) => this.report(e),
      );
    });
    if (isCluster(this.cmd)) {
      // A failover changes the node set (and may move the pub/sub connection to another node):
      // re-read every breaker, a message may have been lost with the old node.
      for (const conn of [this.cmd, this.sub]) {
        for (const ev of ['+node', '-node']) {
          conn.on(ev, () => {
            this.troubleUntil = Date.now() + TROUBLE_MS;
            this.resyncs.soon();
          });
        }
      }
    }
    this.sub.on('message', (ch: string, payload: string) => this.onMessage(ch, payload, channel));
  }

  private connectionError(e: unknown): void {
    this.counters.errors += 1;
    this.counters.connectionErrors += 1;
    if (isAuthError(e)) {
      this.counters.authErrors += 1;
      this.authFailures += 1;
    }
    this.report(e);
  }

  private onMessage(ch: string, payload: string, channel: string): void {
    if (this.closed || ch !== channel) return;
    this.counters.messagesIn += 1;
    const v = judgeMessage(payload, this.opts);
    if (v.kind === 'ignored') this.counters.messagesIgnored += 1;
    else if (v.kind === 'unauthenticated') {
      this.counters.unauthenticatedMessages += 1;
      this.notices.note('messages', v.name);
    } else if (v.kind === 'hint') this.resyncs.hint(v.name); // own echoes need no read
  }

  private run<T>(op: () => Promise<T>, ms = this.opts.commandTimeoutMs): Promise<T> {
    if (this.closed) return Promise.reject(new Error('RedisBreakerStore is closed'));
    this.counters.commands += 1;
    return runBounded(op, ms, (e) => this.fail(e));
  }

  /** Connected and not degraded by a timeout (a data error on one key leaves this true). */
  private healthyConnection(): boolean {
    return !this.closed && this.cmdReady && !this.degraded;
  }

  private fail(e: unknown): void {
    this.counters.errors += 1;
    this.report(e);
    if (this.closed || isReplyError(e)) return; // a script or data error; the connection is fine
    if (isCluster(this.cmd)) {
      // Health per shard: only this breaker's slot failed (e.g. a hung master); its write retries.
      // Ask for the slot map now: after a failover it names the promoted replica.
      this.guard.refreshSlots();
      this.troubleUntil = Date.now() + TROUBLE_MS;
      return;
    }
    this.degraded = true;
    this.health.update();
    this.scheduleHealthProbe();
  }

  /** While degraded: PING until Redis answers in time, then resync. */
  private scheduleHealthProbe(): void {
    if (this.healthTimer !== undefined || this.closed) return;
    this.healthTimer = setTimeout(
      () => {
        this.healthTimer = undefined;
        if (this.closed || !this.degraded) return;
        if (!this.cmdReady) return; // the 'ready' handler takes over after reconnecting
        this.run(() => this.ctx.scripts.ping()).then(
          () => {
            this.guard.probeAnswered();
            this.degraded = false;
            this.synced = false;
            this.resyncs.run();
          },
          () => {
            this.guard.probeTimedOut(); // connected but silent: a hung node (see HangGuard)
            this.scheduleHealthProbe();
          },
        );
      },
      Math.min(500, Math.max(50, this.opts.commandTimeoutMs)),
    );
    this.healthTimer.unref?.();
  }

  private report(e: unknown): void {
    this.reporter.report(e); // redacts in place first
    this.health.lastError = e;
  }

  private every(ms: number, fn: () => void): void {
    if (ms <= 0) return;
    const t = setInterval(fn, ms);
    t.unref?.();
    this.timers.add(t);
  }
}
