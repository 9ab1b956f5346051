import { systemClock, type BreakerState } from '@breakwater/core';
import { type BreakerLink, type BreakerParticipant, type OutcomeTotals, type SharedBreakerState } from '@breakwater/core/internal';
import { AggregateCounts, type TotalsOwner } from './aggregate-counts.js';
import { EMPTY_VIEW, mono, sharedFor, viewOf, type FleetView } from './fleet-view.js';
import type { StoreContext } from './context.js';
import { breakerKeys, type BreakerKeys } from './keys.js';
import { isReplyError } from './connections.js';
import { maxGenAfter } from './bounds.js';
import { GroupReader } from './group-reader.js';
import { ProbeLease } from './probe-lease.js';
import { classifyTransition, type Desired, type ProbeBasis, type TransitionKind } from './transition-kind.js';
import { parseScriptReply, type FleetRecord, type ScriptReply } from './records.js';

/** One attached breaker. */
interface Member {
  readonly p: BreakerParticipant;
}

const MAX_ATTEMPTS = 3;
/** Pause before retrying a write whose shard did not answer. */
const WRITE_RETRY_MS = 250;
/** Reasons are cut to this length before they are written (the stored record must stay valid). */
const MAX_REASON = 500;
const noop = (): void => undefined;

/**
 * Everything the store does for one breaker name: the fleet view, local transitions written to
 * Redis one at a time (compare-and-set on the fleet generation), remote states handed to the
 * attached breakers, the probe lease and aggregate counts. Breakers with the same name attached to
 * one store form one group and share state directly.
 */
export class BreakerGroup implements TotalsOwner {
  readonly keys: BreakerKeys;
  view: FleetView = EMPTY_VIEW;
  private readonly members: Member[] = [];
  private desired: Desired | undefined;
  private inFlight = false;
  private basis: ProbeBasis | undefined;
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
    this.lease = new ProbeLease(this, ctx);
    this.reader = new GroupReader(this, ctx);
  }

  get empty(): boolean {
    return this.members.length === 0;
  }

  get halfOpenAfterMs(): number {
    return this.members[0]?.p.halfOpenAfterMs ?? 30_000;
  }

  /** Probe lease TTL: a lease must outlive one probe. */
  get leaseMs(): number {
    if (this.ctx.options.probeLeaseMs !== undefined) return this.ctx.options.probeLeaseMs;
    const p = this.members[0]?.p;
    // A margin over the probe timeout: the breaker fails a stuck probe (and publishes) before the lease lapses.
    return Math.min(30_000, Math.max(1000, p?.probeTimeoutMs ?? p?.halfOpenAfterMs ?? 1000)) + 250;
  }

  attach(p: BreakerParticipant): BreakerLink {
    const m: Member = { p };
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
      if (this.basis === 'lease') this.lease.renew();
      return; // only the lease holder probes; nobody else needs to know
    }
    for (const other of this.members) {
      if (other === m) continue;
      const s = other.p.snapshot();
      if (s.state !== next.state) other.p.adopt({ ...next, generation: Math.max(next.generation, s.generation + 1) });
    }
    this.desired = {
      state: next.state,
      from,
      reason: next.reason,
      gen: next.generation,
      attempts: 0,
      basis: from === 'half-open' ? this.basis : undefined,
      since: mono(),
      openAttempt: next.openAttempt ?? 0,
    };
    if (from === 'half-open') this.basis = undefined;
    this.kick();
  }

  private requestProbe(m: Member): boolean {
    if (!this.ctx.healthy) return this.grant('unhealthy');
    const v = this.view;
    if (v.state === 'isolated') return false;
    if (v.state === 'closed') return this.grant('local-open'); // open only here (below quorum, or not yet written)
    if (this.lease.held) return this.grant('lease');
    this.lease.want(m.p, v);
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
    this.basis = basis;
    return true;
  }

  /**
   * The lease was obtained for a breaker that asked: let it probe. `unhealthy`: Redis holds a
   * record nobody accepts, so the probe is local and its result overwrites that record.
   */
  probeGranted(p: BreakerParticipant, basis: ProbeBasis = 'lease'): void {
    if (p.snapshot().state !== 'open') return;
    this.basis = basis;
    p.probeGranted();
  }

  private releaseProbe(): void {
    // A pending or running write releases the lease inside its script.
    if (this.desired === undefined && !this.inFlight) void this.lease.release();
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
    const d = this.desired;
    if (d === undefined || this.inFlight || !this.ctx.healthy || this.empty) return;
    this.desired = undefined;
    const kind = classifyTransition(d, this.view);
    if (kind === 'skip' || kind === 'withdraw') {
      if (kind === 'withdraw' && this.ctx.options.quorum > 1) {
        // This replica recovered on its own: its vote no longer counts toward opening the fleet.
        this.ctx.run(() => this.ctx.scripts.zrem(this.keys.votes, this.ctx.options.instanceId)).catch(() => undefined);
      }
      void this.lease.release();
      this.deliverAll(); // the fleet may have moved while this replica acted alone
      return;
    }
    const o = this.ctx.options;
    // The open period began with the local transition; the fleet's ends when this replica's does.
    const openMs = d.restoreOpenMs ?? this.halfOpenAfterMs - (d.since === undefined ? 0 : mono() - d.since);
    this.inFlight = true;
    this.ctx
      .run(() =>
        this.ctx.scripts.bwTransition(
          this.keys.state,
          this.keys.votes,
          this.keys.probe,
          this.keys.counts,
          this.view.gen,
          d.gen,
          d.state,
          d.reason.slice(0, MAX_REASON),
          o.instanceId,
          Math.max(1, Math.round(openMs)),
          o.keyTtlMs,
          o.mode === 'state' ? o.quorum : 1,
          kind,
          this.ctx.channel,
          o.prefix,
          this.name,
          this.maxOpenMs,
          maxGenAfter(this.view.gen),
          '',
          d.openAttempt ?? 0,
          o.auth?.pads ?? '',
        ),
      )
      .then(
        (raw) => this.onWritten(d, kind, parseScriptReply(raw)),
        (e: unknown) => {
          // Connection trouble: keep it (the resync after recovery pushes it; on a Cluster, where
          // only this breaker's shard may be down, retry it). Data errors: drop it.
          if (isReplyError(e) || this.desired !== undefined) return;
          this.desired = d;
          if (this.ctx.healthy) this.retryLater();
        },
      )
      .catch((e: unknown) => this.ctx.report(e))
      .finally(() => {
        this.inFlight = false;
        this.kick();
      });
  }

  private onWritten(d: Desired, kind: TransitionKind, r: ScriptReply): void {
    const rec = this.recordOf(r);
    if (r.status === 'ok' && rec !== undefined) {
      this.lease.clear();
      this.setView(rec, Number(r.extra) || 0);
      return;
    }
    if (r.status === 'voted') {
      // Below quorum: open here only. Newer fleet news is noted but not applied over the local trip.
      if (rec !== undefined && rec.gen > this.view.gen) this.setView(rec, Number(r.extra) || 0);
      else this.view = { ...this.view, votes: Number(r.extra) || 0 };
      return;
    }
    // Conflict: the fleet moved since this replica last looked.
    const stored: FleetRecord = rec ?? { state: 'closed', gen: 0, openUntil: 0, reason: '', at: r.now, origin: '', now: r.now };
    if (stored.state === d.state) {
      this.setView(stored, this.view.votes);
      return;
    }
    const yieldToStored = d.attempts + 1 >= MAX_ATTEMPTS || (stored.state === 'isolated' && kind !== 'manual');
    if (yieldToStored) {
      this.setView(stored, this.view.votes);
      this.deliverAll();
      return;
    }
    this.view = { ...viewOf(stored, this.view.votes) };
    if (this.desired === undefined) this.desired = { ...d, attempts: d.attempts + 1 };
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

  private setView(rec: FleetRecord, votes: number): void {
    this.view = viewOf(rec, votes);
    this.lease.onView(this.view);
  }

  /** A pub/sub message or the version check named this breaker: re-read its hash. */
  refresh(): void {
    this.reader.refresh();
  }

  /** Version check: Redis holds generation `raw`; true when this breaker must be re-read. */
  outdatedBy(raw: string): boolean {
    return this.reader.outdatedBy(raw);
  }

  /** A record from a read or a probe race. Applied when its generation is newer. */
  applyFleet(rec: FleetRecord, votes: number): void {
    if (rec.gen < this.view.gen) return;
    if (rec.gen === this.view.gen) {
      // Same transition seen again (e.g. own echo): only refresh the time base.
      if (rec.state === this.view.state) this.setView(rec, votes);
      return;
    }
    this.setView(rec, votes);
    if (rec.origin === this.ctx.options.instanceId) return;
    // A local transition waiting to be written is fresher evidence; it is pushed next (isolation wins).
    if (this.desired !== undefined && rec.state !== 'isolated') return;
    this.deliverAll();
  }

  /** Resync (or a re-read after a message): what Redis holds now. */
  onResync(r: ScriptReply): void {
    const rec = this.recordOf(r);
    // Malformed or refused: keep what this replica knows; its next write overwrites the record.
    if (rec === undefined && r.record !== 'empty') return;
    const [votesText] = r.extra.split('|');
    const votes = Number(votesText) || 0;
    if (this.desired !== undefined) {
      this.view = rec === undefined ? { ...EMPTY_VIEW } : viewOf(rec, votes);
      return; // kick() after the resync pushes it against what Redis holds
    }
    if (rec === undefined) {
      // Redis lost this breaker (restart without persistence, eviction): re-publish what the fleet had.
      const lost = this.view;
      this.view = { ...EMPTY_VIEW };
      const holds =
        lost.state !== 'closed' &&
        this.members.some((m) => {
          const s = m.p.snapshot().state;
          return s === lost.state || (lost.state === 'open' && s === 'half-open');
        });
      if (holds) {
        const gen = Math.max(0, ...this.members.map((m) => m.p.snapshot().generation));
        this.desired = {
          state: lost.state,
          from: lost.state,
          reason: lost.reason,
          gen,
          attempts: 0,
          basis: undefined,
          restoreOpenMs: Math.max(1, lost.openUntil - mono()),
        };
      }
      return;
    }
    if (rec.gen < this.view.gen || (rec.gen === this.view.gen && rec.state !== this.view.state)) {
      // Renumbered: an operator reset over a record nobody accepted, or a failover that lost the
      // latest writes. What Redis holds is the fleet's word.
      this.setView(rec, votes);
      this.deliverAll();
      return;
    }
    this.applyFleet(rec, votes);
  }

  private deliverAll(): void {
    for (const m of this.members) this.deliverTo(m);
  }

  private deliverTo(m: Member): void {
    const v = this.view;
    if (v.gen === 0) return;
    const s = m.p.snapshot();
    if (s.state === 'half-open' && v.state === 'open' && this.lease.held) return; // this replica is the prober
    // Same state: only newer numbering matters (e.g. a new open period after a failed fleet probe).
    if (s.state === v.state && v.gen <= s.generation) return;
    m.p.adopt(sharedFor(v, m.p, s.generation));
  }

  // ---- aggregate mode ---------------------------------------------------------------------

  /** Flushes pending aggregate counts. */
  flushCounts(): void {
    this.counts.flush(this, this.ctx);
  }

  /** TotalsOwner: a closed breaker to judge fleet totals, when the group is idle and closed. */
  judge(): BreakerParticipant | undefined {
    if (this.view.state !== 'closed' || this.desired !== undefined || this.inFlight) return undefined;
    return this.members.find((m) => m.p.snapshot().state === 'closed')?.p;
  }

  /** TotalsOwner: open every closed breaker of the group, then the fleet. */
  tripOnTotals(totals: OutcomeTotals): void {
    const reason = `fleet totals: ${totals.failures} failures in ${totals.successes + totals.failures} calls`;
    let gen = 0;
    for (const m of this.members) {
      const s = m.p.snapshot();
      gen = Math.max(gen, s.generation + 1);
      if (s.state !== 'closed') continue;
      const now = (m.p.clock ?? systemClock).now();
      m.p.adopt({ state: 'open', generation: s.generation + 1, openUntil: now + m.p.halfOpenAfterMs, reason, at: now, origin: this.ctx.options.instanceId });
    }
    this.desired = { state: 'open', from: 'closed', reason, gen, attempts: 0, basis: undefined, aggregate: true, since: mono() };
    this.kick();
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
    this.desired = undefined;
  }
}
