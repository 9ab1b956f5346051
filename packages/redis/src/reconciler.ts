import type { BreakerState } from '@breakwater/core';
import { EMPTY_VIEW, viewOf, type FleetView } from './fleet-view.js';
import type { FleetRecord, FleetStateName } from './records.js';
import { classifyTransition, type Desired, type ProbeBasis, type TransitionKind } from './transition-kind.js';

/** Conflicting writes of one local transition before this replica yields to what Redis holds. */
export const MAX_ATTEMPTS = 3;

/** A member breaker's state, as far as reconciling needs it. */
export interface MemberSnapshot {
  readonly state: BreakerState;
  readonly generation: number;
}

/** What the reconciler reads of its surroundings (live values: the store's health, the group's members). */
export interface ReconcilerEnv {
  /** Redis reachable, subscribed and resynced. */
  readonly healthy: boolean;
  /** No breaker attached (a detached group writes nothing). */
  readonly empty: boolean;
  readonly quorum: number;
  readonly halfOpenAfterMs: number;
  readonly instanceId: string;
}

/**
 * A read of the breaker's hash after the I/O shell's checks: an accepted record, no record, or
 * one this replica does not accept (malformed, implausible, unauthenticated).
 */
export type ReadInput =
  { readonly record: FleetRecord | 'empty'; readonly votes: number } | { readonly record: 'untrusted' };

/** The reply of a transition write: its status, the accepted record (if any), Redis time and `extra`. */
export interface WriteReply {
  readonly status: string;
  readonly now: number;
  readonly extra: string;
  readonly record: FleetRecord | undefined;
}

/** What the I/O shell must do, in order. */
export type Effect =
  | {
      readonly type: 'write';
      readonly desired: Desired;
      readonly kind: TransitionKind;
      readonly expectedGen: number;
      readonly openMs: number;
    }
  /** This replica recovered on its own: remove its quorum vote. */
  | { readonly type: 'withdraw-vote' }
  | { readonly type: 'release-lease' }
  /** Hand the view to every member breaker that needs it (see `needsAdopt`). */
  | { readonly type: 'deliver' }
  /** A transition script released the lease. */
  | { readonly type: 'lease-clear' }
  /** The fleet view changed (the lease schedules or drops its race). */
  | { readonly type: 'lease-view'; readonly view: FleetView }
  /** Retry the write after a pause (one Cluster shard did not answer). */
  | { readonly type: 'retry-later' }
  /** Re-read the breaker's hash. */
  | { readonly type: 'read' };

/** A local transition a member made, to be written for the fleet. */
export interface LocalTransition {
  readonly state: FleetStateName;
  readonly from: BreakerState;
  readonly reason: string;
  readonly generation: number;
  readonly openAttempt?: number | undefined;
}

/**
 * Should a member in state `s` adopt `view`? Not when nothing is known, not the lease holder's
 * probing breaker, and within one state only for newer numbering (e.g. a new open period after a
 * failed fleet probe).
 */
export function needsAdopt(view: FleetView, s: MemberSnapshot, leaseHeld: boolean): boolean {
  if (view.gen === 0) return false;
  if (s.state === 'half-open' && view.state === 'open' && leaseHeld) return false;
  return !(s.state === view.state && view.gen <= s.generation);
}

/**
 * Does a member disagree with `view` in a way nothing explains? Not when it is open or probing
 * while the fleet is closed (tripped below quorum, or a probe of its own), nor half-open while the
 * fleet is open (the lease holder's probe, or waiting for the lease); otherwise whenever it would
 * adopt the view. Such a member is handed the view again at a resync or version check.
 */
export function disagrees(view: FleetView, s: MemberSnapshot): boolean {
  if (view.state === 'closed' && (s.state === 'open' || s.state === 'half-open')) return false;
  if (view.state === 'open' && s.state === 'half-open') return false;
  return needsAdopt(view, s, false);
}

/**
 * The decisions of one breaker group, without I/O: what this replica knows of the fleet (`view`),
 * the latest local transition not yet written (`desired`; intermediate ones collapse), one write
 * and one read in flight at most, what a conflict means, and when to read again. Inputs are local
 * transitions, replies, hints and resyncs; outputs are {@link Effect}s for the shell to carry out.
 * Time comes from the injected clock (monotonic ms), so tests drive it with a ManualClock.
 */
export class Reconciler {
  private current: FleetView = EMPTY_VIEW;
  private pending: Desired | undefined;
  private writing = false;
  private readingNow = false;
  private readAgain = false;
  /**
   * A fleet record arrived while a local write was pending or in flight: its delivery is held
   * until the write settles, then the newest view is delivered. Delivered at once, it would be
   * overridden by the retried write (which wins in Redis) or would overwrite the local transition
   * about to be written, and the breaker would disagree with the fleet until its next transition.
   */
  private owed = false;
  /** Why this replica's breaker was allowed to probe (decides what its result means for the fleet). */
  basis: ProbeBasis | undefined;

  constructor(
    private readonly env: ReconcilerEnv,
    private readonly clock: { now(): number },
  ) {}

  get view(): FleetView {
    return this.current;
  }

  get desired(): Desired | undefined {
    return this.pending;
  }

  /** A write is in flight. */
  get inFlight(): boolean {
    return this.writing;
  }

  /** A read is in flight. */
  get reading(): boolean {
    return this.readingNow;
  }

  /** Nothing to write and nothing being written. */
  get idle(): boolean {
    return this.pending === undefined && !this.writing;
  }

  /** Only the quorum vote count changed. */
  setVotes(votes: number): void {
    this.current = { ...this.current, votes };
  }

  /** A member's transition (not half-open, not local-scoped). The open period starts now. */
  local(t: LocalTransition): Effect[] {
    this.pending = {
      state: t.state,
      from: t.from,
      reason: t.reason,
      gen: t.generation,
      attempts: 0,
      basis: t.from === 'half-open' ? this.basis : undefined,
      since: this.clock.now(),
      openAttempt: t.openAttempt ?? 0,
    };
    if (t.from === 'half-open') this.basis = undefined;
    return this.kick();
  }

  /** A transition decided for the group as a whole (aggregate mode: fleet totals tripped). */
  want(d: Desired): Effect[] {
    this.pending = d;
    return this.kick();
  }

  /** Writes the latest local transition, one at a time. Nothing while unhealthy (the resync pushes it). */
  kick(): Effect[] {
    const d = this.pending;
    const env = this.env;
    if (d === undefined || this.writing || !env.healthy || env.empty) return this.settled();
    this.pending = undefined;
    const kind = classifyTransition(d, this.current);
    if (kind === 'skip' || kind === 'withdraw') {
      const out: Effect[] = kind === 'withdraw' && env.quorum > 1 ? [{ type: 'withdraw-vote' }] : [];
      // The fleet may have moved while this replica acted alone.
      out.push({ type: 'release-lease' });
      this.owed = true;
      out.push(...this.settled());
      return out;
    }
    // The open period began with the local transition; the fleet's ends when this replica's does.
    const openMs = d.restoreOpenMs ?? env.halfOpenAfterMs - (d.since === undefined ? 0 : this.clock.now() - d.since);
    this.writing = true;
    return [
      { type: 'write', desired: d, kind, expectedGen: this.current.gen, openMs: Math.max(1, Math.round(openMs)) },
    ];
  }

  /** A held delivery, once no local write is pending or in flight. */
  private settled(): Effect[] {
    if (!this.owed || !this.idle) return [];
    this.owed = false;
    return [{ type: 'deliver' }];
  }

  /** Delivers the view now, or once the local write pending or in flight settles. */
  private deliver(): Effect[] {
    this.owed = true;
    return this.settled();
  }

  /** The write of `d` answered. */
  written(d: Desired, kind: TransitionKind, r: WriteReply): Effect[] {
    const out = this.onWritten(d, kind, r);
    this.writing = false;
    out.push(...this.kick());
    return out;
  }

  /**
   * The write of `d` failed. Connection trouble keeps it (the resync after recovery pushes it; on a
   * Cluster, where only this breaker's shard may be down, it is retried); data errors drop it.
   */
  writeFailed(d: Desired, dataError: boolean): Effect[] {
    const out: Effect[] = [];
    if (!dataError && this.pending === undefined) {
      this.pending = d;
      if (this.env.healthy) out.push({ type: 'retry-later' });
    }
    this.writing = false;
    out.push(...this.kick());
    return out;
  }

  private onWritten(d: Desired, kind: TransitionKind, r: WriteReply): Effect[] {
    const rec = r.record;
    const extraVotes = Number(r.extra) || 0;
    if (r.status === 'ok' && rec !== undefined) return [{ type: 'lease-clear' }, this.setView(rec, extraVotes)];
    if (r.status === 'voted') {
      // Below quorum: open here only. Newer fleet news is noted; a fleet still closed is not
      // delivered over the local trip (a delivery held meanwhile is dropped).
      const out: Effect[] = [];
      if (rec !== undefined && rec.gen > this.current.gen) out.push(this.setView(rec, extraVotes));
      else this.setVotes(extraVotes);
      if (this.current.state === 'closed') this.owed = false;
      return out;
    }
    // Conflict: the fleet moved since this replica last looked.
    const stored: FleetRecord = rec ?? {
      state: 'closed',
      gen: 0,
      openUntil: 0,
      reason: '',
      at: r.now,
      origin: '',
      now: r.now,
    };
    if (stored.state === d.state) return [this.setView(stored, this.current.votes)];
    const yieldToStored = d.attempts + 1 >= MAX_ATTEMPTS || (stored.state === 'isolated' && kind !== 'manual');
    if (yieldToStored) {
      this.owed = true; // delivered after kick(): a local transition made meanwhile is written first
      return [this.setView(stored, this.current.votes)];
    }
    this.current = viewOf(stored, this.current.votes, this.clock.now());
    if (this.pending === undefined) this.pending = { ...d, attempts: d.attempts + 1 };
    return [];
  }

  private setView(rec: FleetRecord, votes: number): Effect {
    this.current = viewOf(rec, votes, this.clock.now());
    return { type: 'lease-view', view: this.current };
  }

  /** A record from a read or a probe race. Applied when its generation is newer. */
  fleet(rec: FleetRecord, votes: number): Effect[] {
    const v = this.current;
    if (rec.gen < v.gen) return [];
    // Same transition seen again (e.g. own echo): only refresh the time base.
    if (rec.gen === v.gen) return rec.state === v.state ? [this.setView(rec, votes)] : [];
    const out = [this.setView(rec, votes)];
    if (rec.origin === this.env.instanceId) return out;
    // A local write pending or in flight: delivered once it settles (it may win, or yield to this).
    out.push(...this.deliver());
    return out;
  }

  /** A resync (or a re-read after a hint): what Redis holds now. `members`: the group's breakers. */
  resynced(read: ReadInput, members: readonly MemberSnapshot[]): Effect[] {
    // Malformed, refused or unauthenticated: keep what this replica knows; its next write overwrites the record.
    if (read.record === 'untrusted') return [];
    const rec = read.record === 'empty' ? undefined : read.record;
    const now = this.clock.now();
    if (this.pending !== undefined) {
      this.current = rec === undefined ? EMPTY_VIEW : viewOf(rec, read.votes, now);
      return []; // kick() after the resync pushes it against what Redis holds
    }
    if (rec === undefined) {
      // Redis lost this breaker (restart without persistence, eviction): re-publish what the fleet had.
      const lost = this.current;
      this.current = EMPTY_VIEW;
      const holds =
        lost.state !== 'closed' &&
        members.some((s) => s.state === lost.state || (lost.state === 'open' && s.state === 'half-open'));
      if (holds) {
        this.pending = {
          state: lost.state,
          from: lost.state,
          reason: lost.reason,
          gen: Math.max(0, ...members.map((s) => s.generation)),
          attempts: 0,
          basis: undefined,
          restoreOpenMs: Math.max(1, lost.openUntil - now),
        };
      }
      return [];
    }
    const v = this.current;
    if (rec.gen < v.gen || (rec.gen === v.gen && rec.state !== v.state)) {
      // Renumbered: an operator reset over a record nobody accepted, or a failover that lost the
      // latest writes. What Redis holds is the fleet's word.
      return [this.setView(rec, read.votes), ...this.deliver()];
    }
    const out = this.fleet(rec, read.votes);
    if (!out.some((e) => e.type === 'deliver')) out.push(...this.heal(members));
    return out;
  }

  /**
   * The view matches what Redis holds (a resync or version check): hand it to any member that
   * disagrees with it for no reason (see {@link disagrees}) — a residual disagreement is healed
   * here, not at the breaker's next transition. Nothing while a local write is pending or in flight.
   */
  heal(members: readonly MemberSnapshot[]): Effect[] {
    if (!this.idle || this.current.gen === 0 || !members.some((s) => disagrees(this.current, s))) return [];
    return this.deliver();
  }

  /**
   * A pub/sub hint or the version check named this breaker: re-read its hash (a message is never
   * adopted). Reads coalesce: at most one in flight, one more after it. Nothing while unhealthy
   * (the resync on recovery reads it).
   */
  hint(): Effect[] {
    if (!this.env.healthy) return [];
    if (this.readingNow) {
      this.readAgain = true;
      return [];
    }
    this.readingNow = true;
    return [{ type: 'read' }];
  }

  /** The re-read ended: `read` is what it found, undefined when it failed. */
  readDone(read: ReadInput | undefined, members: readonly MemberSnapshot[]): Effect[] {
    const out = read === undefined ? [] : [...this.resynced(read, members), ...this.kick()];
    this.readingNow = false;
    if (this.readAgain) {
      this.readAgain = false;
      out.push(...this.hint());
    }
    return out;
  }

  /** The group is gone: nothing more to write. */
  dispose(): void {
    this.pending = undefined;
    this.owed = false;
  }
}
