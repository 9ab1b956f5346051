import { systemClock, type BreakerState } from '@breakwater/core';
import {
  DEFAULT_HALF_OPEN_AFTER_MS,
  nextGeneration,
  type BreakerLink,
  type BreakerParticipant,
  type OutcomeTotals,
  type ParticipantCallbacks,
  type SharedBreakerState,
} from '@breakwater/core/internal';
import { AggregateCounts, type TotalsOwner } from './aggregate-counts.js';
import { mono, sharedFor, type FleetView } from './fleet-view.js';
import type { StoreContext } from './context.js';
import { breakerKeys, type BreakerKeys } from './keys.js';
import { GroupReader } from './group-reader.js';
import { ProbeLease, type LeaseWaiter } from './probe-lease.js';
import type { ProbeBasis } from './transition-kind.js';
import type { FleetRecord, ScriptReply } from './records.js';
import { needsAdopt, Reconciler, type Effect, type ReadInput } from './reconciler.js';
import { writeTransition } from './transition-write.js';

/** One attached breaker. */
interface Member {
  readonly participant: BreakerParticipant;
}

/** Pause before retrying a write whose shard did not answer. */
const WRITE_RETRY_MS = 250;
const noop = (): void => undefined;

/**
 * Everything the store does for one breaker name — the I/O around its {@link Reconciler}: the
 * attached breakers (transitions in, fleet states out), the Redis commands the reconciler asks for
 * (writes, re-reads, votes), the probe lease and aggregate counts. Breakers with the same name
 * attached to one store form one group and share state directly.
 */
export class BreakerGroup implements TotalsOwner {
  readonly keys: BreakerKeys;
  private readonly members: Member[] = [];
  private readonly rec: Reconciler;
  private readonly lease: ProbeLease;
  private readonly reader: GroupReader;
  /** Aggregate mode: outcomes not yet flushed. */
  private readonly counts = new AggregateCounts();
  private disposed = false;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    readonly name: string,
    private readonly ctx: StoreContext,
  ) {
    this.keys = breakerKeys(ctx.options.prefix, name);
    const group = this;
    this.rec = new Reconciler(
      {
        get healthy() {
          return ctx.healthy;
        },
        get empty() {
          return group.empty;
        },
        get quorum() {
          return ctx.options.quorum;
        },
        get halfOpenAfterMs() {
          return group.halfOpenAfterMs;
        },
        instanceId: ctx.options.instanceId,
      },
      { now: mono },
    );
    this.lease = new ProbeLease(this, ctx);
    this.reader = new GroupReader(this, ctx);
  }

  /** What this replica knows of the fleet. */
  get view(): FleetView {
    return this.rec.view;
  }

  get empty(): boolean {
    return this.members.length === 0;
  }

  get halfOpenAfterMs(): number {
    return this.members[0]?.participant.halfOpenAfterMs ?? DEFAULT_HALF_OPEN_AFTER_MS;
  }

  /** Probe lease TTL: a lease must outlive one probe. */
  get leaseMs(): number {
    if (this.ctx.options.probeLeaseMs !== undefined) return this.ctx.options.probeLeaseMs;
    const p = this.members[0]?.participant;
    // A margin over the probe timeout: the breaker fails a stuck probe (and publishes) before the lease lapses.
    return Math.min(30_000, Math.max(1000, p?.probeTimeoutMs ?? p?.halfOpenAfterMs ?? 1000)) + 250;
  }

  attach(p: BreakerParticipant): BreakerLink {
    const m: Member = { participant: p };
    this.members.push(m);
    // A breaker joining later starts from what the group already knows of the fleet.
    if (this.view.gen > 0) this.deliverTo(m);
    const guard = (fn: () => void): void => {
      try {
        fn();
      } catch (e) {
        this.ctx.report(e);
      }
    };
    return {
      publish: (next, from, scope) => guard(() => this.onLocal(m, next, from, scope)),
      requestProbe: () => {
        try {
          return this.requestProbe(m);
        } catch (e) {
          this.ctx.report(e);
          return true;
        }
      },
      probeAvailable: () => this.probeAvailable(),
      releaseProbe: () => guard(() => this.releaseProbe()),
      // Hot path: called on every call outcome, so no wrapper; it cannot throw.
      record: this.ctx.options.mode === 'aggregate' ? (outcome, slow) => this.counts.record(outcome, slow) : noop,
      detach: () => guard(() => this.detach(m)),
    };
  }

  // ---- local side -------------------------------------------------------------------------

  private onLocal(m: Member, next: SharedBreakerState, from: BreakerState, scope: 'local' | 'fleet' | undefined): void {
    // Local isolation (and its release) stays on this replica; the breaker keeps tracking the
    // fleet's state meanwhile (adopt() records it without applying it).
    if (scope === 'local') return;
    if (next.state === 'half-open') {
      if (this.rec.basis === 'lease') this.lease.renew();
      return; // only the lease holder probes; nobody else needs to know
    }
    for (const other of this.members) {
      if (other === m) continue;
      const s = other.participant.snapshot();
      if (s.state !== next.state)
        other.participant.adopt({ ...next, generation: nextGeneration(s.generation, next.generation) });
    }
    this.apply(
      this.rec.local({
        state: next.state,
        from,
        reason: next.reason,
        generation: next.generation,
        openAttempt: next.openAttempt,
      }),
    );
  }

  private requestProbe(m: Member): boolean {
    if (!this.ctx.healthy) return this.grant('unhealthy');
    const v = this.view;
    if (v.state === 'isolated') return false;
    if (v.state === 'closed') return this.grant('local-open'); // open only here (below quorum, or not yet written)
    if (this.lease.held) return this.grant('lease');
    this.lease.want(m.participant, v);
    return false;
  }

  /**
   * `requestProbe()` without its side effects (no lease request): false only when this replica knows
   * a probe would be refused now — the fleet is isolated, or the lease is being acquired or was
   * just found held elsewhere (or not yet due in Redis time). Unknown = true, so a call still gets
   * to ask: the lease is only ever requested on demand.
   */
  private probeAvailable(): boolean {
    if (!this.ctx.healthy) return true;
    const state = this.view.state;
    if (state === 'isolated') return false;
    return state === 'closed' || this.lease.held || this.lease.mayAcquire();
  }

  private grant(basis: ProbeBasis): boolean {
    this.rec.basis = basis;
    return true;
  }

  /**
   * The lease was obtained for a breaker that asked: let it probe. `unhealthy`: Redis holds a
   * record nobody accepts, so the probe is local and its result overwrites that record.
   */
  probeGranted(p: LeaseWaiter, basis: ProbeBasis = 'lease'): void {
    if (p.snapshot().state !== 'open') return;
    this.rec.basis = basis;
    p.probeGranted();
  }

  private releaseProbe(): void {
    // A pending or running write releases the lease inside its script.
    if (this.rec.idle) void this.lease.release();
  }

  private detach(m: Member): void {
    const i = this.members.indexOf(m);
    if (i < 0) return;
    this.members.splice(i, 1);
    if (this.members.length === 0) {
      void this.lease.release();
      this.dispose();
      this.ctx.forget(this.name);
    }
  }

  // ---- writes -----------------------------------------------------------------------------

  /** Writes the latest local transition, one at a time. No-op while unhealthy (resync pushes it). */
  kick(): void {
    this.apply(this.rec.kick());
  }

  /** Carries out what the reconciler decided, in order. */
  private apply(effects: readonly Effect[]): void {
    for (const e of effects) {
      switch (e.type) {
        case 'write':
          this.write(e);
          break;
        case 'withdraw-vote':
          this.ctx
            .run(() => this.ctx.scripts.zrem(this.keys.votes, this.ctx.options.instanceId))
            .catch(() => undefined);
          break;
        case 'release-lease':
          void this.lease.release();
          break;
        case 'deliver':
          this.deliverAll();
          break;
        case 'lease-clear':
          this.lease.clear();
          break;
        case 'lease-view':
          this.lease.onView(e.view);
          break;
        case 'retry-later':
          this.retryLater();
          break;
        case 'read':
          this.reader.read();
          break;
      }
    }
  }

  private write(e: Extract<Effect, { type: 'write' }>): void {
    const { desired: d, kind } = e;
    writeTransition(this.ctx, this, e)
      .then((out) => this.apply(out.ok ? this.rec.written(d, kind, out.reply) : this.rec.writeFailed(d, out.dataError)))
      .catch((err: unknown) => this.ctx.report(err));
  }

  /** Longest open period accepted from Redis for this breaker. */
  get maxOpenMs(): number {
    return this.reader.maxOpenMs;
  }

  /** The record of a reply if this replica accepts it (see GroupReader.recordOf). */
  recordOf(r: ScriptReply): FleetRecord | undefined {
    return this.reader.recordOf(r);
  }

  // ---- remote side ------------------------------------------------------------------------

  /** A pub/sub message or the version check named this breaker: re-read its hash. */
  refresh(): void {
    if (!this.disposed) this.apply(this.rec.hint());
  }

  /** Version check: Redis holds generation `raw`; true when this breaker must be re-read (else heals members). */
  outdatedBy(raw: string): boolean {
    const stale = this.reader.outdatedBy(raw, this.rec.reading);
    if (!stale && !this.disposed && raw === String(this.view.gen)) this.apply(this.rec.heal(this.snapshots()));
    return stale;
  }

  /** A record from a read or a probe race. Applied when its generation is newer. */
  applyFleet(rec: FleetRecord, votes: number): void {
    this.apply(this.rec.fleet(rec, votes));
  }

  /** Resync: what Redis holds now. */
  onResync(r: ScriptReply): void {
    this.apply(this.rec.resynced(this.readInput(r), this.snapshots()));
  }

  /** The re-read the reconciler asked for ended (undefined: it failed). */
  readDone(r: ScriptReply | undefined): void {
    const effects = this.rec.readDone(
      r === undefined || this.disposed ? undefined : this.readInput(r),
      this.snapshots(),
    );
    if (!this.disposed) this.apply(effects);
  }

  private readInput(r: ScriptReply): ReadInput {
    const rec = this.recordOf(r);
    if (rec === undefined && r.record !== 'empty') return { record: 'untrusted' };
    const [votesText] = r.extra.split('|');
    return { record: rec ?? 'empty', votes: Number(votesText) || 0 };
  }

  private snapshots(): Array<{ state: BreakerState; generation: number }> {
    return this.members.map((m) => m.participant.snapshot());
  }

  private deliverAll(): void {
    for (const m of this.members) this.deliverTo(m);
  }

  private deliverTo(m: Member): void {
    const v = this.view;
    if (v.gen === 0) return;
    const s = m.participant.snapshot();
    if (needsAdopt(v, s, this.lease.held)) m.participant.adopt(sharedFor(v, m.participant, s.generation));
  }

  // ---- aggregate mode ---------------------------------------------------------------------

  /** Flushes pending aggregate counts. */
  flushCounts(): void {
    this.counts.flush(this, this.ctx);
  }

  /** TotalsOwner: a closed breaker to judge fleet totals, when the group is idle and closed. */
  judge(): Pick<ParticipantCallbacks, 'shouldTrip'> | undefined {
    if (this.view.state !== 'closed' || !this.rec.idle) return undefined;
    return this.members.find((m) => m.participant.snapshot().state === 'closed')?.participant;
  }

  /** TotalsOwner: open every closed breaker of the group, then the fleet. */
  tripOnTotals(totals: OutcomeTotals): void {
    const reason = `fleet totals: ${totals.failures} failures in ${totals.successes + totals.failures} calls`;
    let gen = 0;
    for (const m of this.members) {
      const s = m.participant.snapshot();
      gen = nextGeneration(s.generation, gen);
      if (s.state !== 'closed') continue;
      const now = (m.participant.clock ?? systemClock).now();
      const origin = this.ctx.options.instanceId;
      m.participant.adopt({
        state: 'open',
        generation: nextGeneration(s.generation, 0),
        openUntil: now + m.participant.halfOpenAfterMs,
        reason,
        at: now,
        origin,
      });
    }
    this.apply(
      this.rec.want({
        state: 'open',
        from: 'closed',
        reason,
        gen,
        attempts: 0,
        basis: undefined,
        aggregate: true,
        since: mono(),
      }),
    );
  }

  /** Store closing: hands back a held probe lease. */
  releaseLease(): Promise<void> {
    return this.lease.release();
  }

  /** Retries a write that failed while the store stayed healthy (one Cluster shard down). */
  private retryLater(): void {
    if (this.retryTimer !== undefined || this.disposed) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.kick();
    }, WRITE_RETRY_MS);
    this.retryTimer.unref?.();
  }

  /** Drops timers (store close or last detach). */
  dispose(): void {
    this.disposed = true;
    this.reader.dispose();
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.lease.dispose();
    this.rec.dispose();
  }
}
