import type { Clock } from '../clock.js';
import { isNewerGeneration, nextGeneration } from '../store/generation.js';
import type { OrderedEmitter } from './ordered-emitter.js';
import type { BreakerLink, BreakerParticipant, OutcomeTotals, SharedBreakerState } from '../store/types.js';
import { adoptedAttempt, type OpenPeriod } from './open-period.js';
import { VERDICT_FAILURE, VERDICT_NEUTRAL, VERDICT_SUCCESS, type Verdict } from './outcome.js';
import { ProbeRound } from './probes.js';
import type { BreakerState, CallEvent, StateChangeEvent, TripEvaluator } from './types.js';

/** Event map of a circuit breaker. */
export type BreakerEvents = { stateChange: StateChangeEvent; success: CallEvent; failure: CallEvent; rejected: CallEvent };

/** How a settled probe counts: a success, a failure, or no verdict (an inner policy rejected it). */
export type ProbeResult = Verdict;
export const PROBE_SUCCESS = VERDICT_SUCCESS;
export const PROBE_FAILURE = VERDICT_FAILURE;
export const PROBE_NEUTRAL = VERDICT_NEUTRAL;

/** Resolved, validated settings the state machine runs on. */
export interface MachineSettings {
  readonly name: string;
  readonly clock: Clock;
  readonly evaluator: TripEvaluator;
  readonly openPeriod: OpenPeriod;
  readonly maxProbes: number;
  readonly successesToClose: number;
  readonly probeTimeoutMs: number;
}

/**
 * The breaker's state machine: closed → open → half-open → closed | open, plus manual
 * isolation. Every transition bumps `generation`, records a reason, is published to the store (if
 * any) and emitted as `stateChange`.
 *
 * Two generation counters exist because isolation with `scope: 'local'` must not consume the
 * fleet's numbering: `fleetGeneration` follows the store (remote states are adopted only when
 * newer than it); `generation` is this instance's monotonic transition counter, ≥ the fleet's.
 * Without a store both are always equal.
 */
export abstract class BreakerStateMachine implements BreakerParticipant {
  readonly name: string;
  readonly probeTimeoutMs: number;
  readonly clock: Clock;
  protected readonly evaluator: TripEvaluator;
  protected readonly period: OpenPeriod;
  private readonly maxProbes: number;
  private readonly successesToClose: number;
  protected current: BreakerState = 'closed';
  protected gen = 0;
  protected fleetGen = 0;
  protected fleetState: BreakerState = 'closed';
  protected since: number;
  protected openUntil = 0;
  /** Open attempt: 1 when opened from closed, +1 per failed probe; 0 once closed. Drives a growing open period. */
  protected openAttempt = 0;
  protected reason = 'created';
  /** The probe slots while half-open; undefined in every other state. */
  protected round: ProbeRound | undefined = undefined;
  protected link: BreakerLink | undefined = undefined;
  /** Created on the first `on()`: a breaker nobody listens to carries no emitter. */
  protected emitter: OrderedEmitter<BreakerEvents> | undefined = undefined;
  /**
   * isolate() handles not yet released, by scope; undefined when none (no object per breaker that
   * is never isolated). Handles hold this object: once isolation ends other than by their release
   * (reset, a remote state) it is replaced, and older handles go inert.
   */
  protected isolation: { local: number; fleet: number } | undefined = undefined;

  constructor(s: MachineSettings) {
    this.name = s.name;
    this.clock = s.clock;
    this.evaluator = s.evaluator;
    this.period = s.openPeriod;
    this.maxProbes = s.maxProbes;
    this.successesToClose = s.successesToClose;
    this.probeTimeoutMs = s.probeTimeoutMs;
    this.since = s.clock.now();
  }

  /**
   * BreakerParticipant: the open period in force — `halfOpenAfterMs`, or with a Backoff the period
   * of the latest open attempt (the first one before any).
   */
  get halfOpenAfterMs(): number {
    return this.period.currentMs;
  }

  /**
   * The current state; reading it has no side effect. Without a store, an open breaker whose open
   * period is over reads 'half-open' (a call arriving now would be admitted as a probe) — the
   * transition itself, and its `stateChange`, happen when that call arrives. With a store it reads
   * 'open' until a call is admitted as the fleet's probe.
   */
  get state(): BreakerState {
    const s = this.current;
    return s === 'open' && this.link === undefined && this.clock.now() >= this.openUntil ? 'half-open' : s;
  }

  /** This instance's monotonic transition counter. */
  get generation(): number {
    return this.gen;
  }

  /** The fleet generation last published or adopted (equals `generation` without a store). */
  get fleetGeneration(): number {
    return this.fleetGen;
  }

  /** True while at least one isolate() handle is held. */
  protected get isolated(): boolean {
    return this.isolation !== undefined;
  }

  /**
   * BreakerParticipant: this breaker's state as the fleet should see it (a local isolation is not
   * shown). `origin` is left empty: stores stamp their own instance id.
   */
  snapshot(): SharedBreakerState {
    const open = this.fleetState === 'open';
    return {
      state: this.fleetState,
      generation: this.fleetGen,
      openUntil: open ? this.openUntil : 0,
      reason: this.reason,
      at: this.since,
      origin: '',
      openAttempt: this.openAttempt,
    };
  }

  /** BreakerParticipant: a state from elsewhere in the fleet; applied only when its generation is newer. */
  adopt(remote: SharedBreakerState): void {
    if (!isNewerGeneration(remote.generation, this.fleetGen)) return;
    const to: BreakerState = remote.state === 'half-open' ? 'open' : remote.state;
    this.fleetGen = remote.generation;
    this.fleetState = to;
    // A local isolation outranks the fleet until released.
    if (this.isolation !== undefined && this.isolation.local > 0) return;
    const now = this.clock.now();
    const from = this.current;
    this.openAttempt = adoptedAttempt(remote, to, from, this.openAttempt);
    const openUntil = to === 'open' ? (remote.openUntil > 0 ? remote.openUntil : now + this.period.periodFor(this.openAttempt)) : 0;
    if (to === from) {
      // Same state, newer numbering (e.g. the store re-sequenced our publish): no event.
      this.openUntil = openUntil;
      if (this.gen < this.fleetGen) this.gen = this.fleetGen;
      return;
    }
    this.endRound();
    if (to !== 'isolated') this.isolation = undefined;
    this.current = to;
    this.gen = nextGeneration(this.gen, this.fleetGen);
    this.since = now;
    this.reason = remote.reason;
    this.openUntil = openUntil;
    this.evaluator.reset();
    // We held the fleet's probe lease; the fleet moved on without our verdict.
    if (from === 'half-open') this.link?.releaseProbe();
    this.emitStateChange(from, to, remote.reason, now, true);
  }

  /** BreakerParticipant: the store granted this replica the fleet's probe lease. */
  probeGranted(): void {
    if (this.current === 'open' && !this.isolated) this.transition('half-open', 'probe lease granted', 'fleet');
  }

  /** BreakerParticipant: aggregate mode asks whether fleet-wide totals would trip. */
  shouldTrip(totals: OutcomeTotals): boolean {
    return this.evaluator.shouldTripOn(totals);
  }

  /**
   * Open and due for a probe? Moves to half-open (after the store grants the probe, when one is
   * attached) and returns true; false keeps the breaker open.
   */
  protected tryHalfOpen(now: number): boolean {
    if (now < this.openUntil || this.current !== 'open') return false;
    if (this.link !== undefined && !this.link.requestProbe()) return false;
    this.transition('half-open', `open for ${Math.max(0, this.openUntil - this.since)}ms`, 'fleet');
    return true;
  }

  /**
   * Would `runGuarded` let a call through at `now` (state other than closed; shadow mode aside)?
   * Mirrors `tryHalfOpen` + `acquireProbe` without their side effects: open → the period is over
   * and the store (when it can tell) would grant the fleet probe lease; half-open → a slot is free
   * and no held slot has expired (an expired one fails the round on admission).
   */
  protected admitsNow(now: number): boolean {
    const state = this.current;
    if (state === 'open') {
      if (now < this.openUntil) return false;
      const link = this.link;
      return link === undefined || link.probeAvailable === undefined || link.probeAvailable();
    }
    if (state === 'half-open') {
      const round = this.round!;
      return round.hasFreeSlot() && round.earliestExpiry(this.probeTimeoutMs) > now;
    }
    return state === 'closed';
  }

  /** Takes a probe slot (half-open only); -1 when none is free. Expired leases fail the round first. */
  protected acquireProbe(now: number): number {
    const round = this.round!;
    if (round.earliestExpiry(this.probeTimeoutMs) <= now) {
      this.transition('open', 'probe timed out', 'fleet');
      return -1;
    }
    const slot = round.acquire(now);
    if (slot >= 0 && round.timer === undefined) this.armProbeTimer(round, now);
    return slot;
  }

  /** A probe settled. Late settlements (their round already ended) are ignored. */
  protected probeSettled(round: ProbeRound, slot: number, result: ProbeResult, failureReason = 'probe failed'): void {
    if (this.round !== round || !round.holds(slot)) return;
    round.release(slot);
    if (result === PROBE_FAILURE) {
      this.transition('open', failureReason, 'fleet');
    } else if (result === PROBE_SUCCESS && ++round.successes >= this.successesToClose) {
      this.transition('closed', round.successes === 1 ? 'probe succeeded' : `${round.successes} probes succeeded`, 'fleet');
    }
  }

  /** Moves to `to`; `scope: 'local'` keeps it off the fleet (local isolation). */
  protected transition(to: BreakerState, reason: string, scope: 'local' | 'fleet'): void {
    const from = this.current;
    const now = this.clock.now();
    this.endRound();
    this.current = to;
    this.since = now;
    this.reason = reason;
    if (to === 'open') {
      // A failed probe (half-open → open) extends the schedule; opening from closed starts it.
      this.openAttempt = from === 'half-open' ? this.openAttempt + 1 : 1;
      this.openUntil = now + this.period.periodFor(this.openAttempt);
    } else {
      this.openUntil = 0;
      if (to === 'closed') this.openAttempt = 0;
    }
    if (to === 'half-open') this.round = new ProbeRound(this.maxProbes);
    else this.evaluator.reset();
    if (scope === 'fleet') {
      this.fleetGen++;
      this.fleetState = to;
    }
    this.gen = nextGeneration(this.gen, this.fleetGen);
    const link = this.link;
    if (link !== undefined) {
      link.publish(
        {
          state: to,
          generation: scope === 'fleet' ? this.fleetGen : this.gen,
          openUntil: this.openUntil,
          reason,
          at: now,
          origin: '',
          openAttempt: this.openAttempt,
        },
        from,
        scope,
      );
      // The round's verdict is published; now the lease can go to the next prober.
      if (from === 'half-open') link.releaseProbe();
    }
    this.emitStateChange(from, to, reason, now, false);
  }

  protected endRound(): void {
    const round = this.round;
    if (round === undefined) return;
    this.round = undefined;
    if (round.timer !== undefined) {
      this.clock.clearTimeout(round.timer);
      round.timer = undefined;
    }
  }

  /** At most one timer per breaker, only while probes are out: fires when the oldest lease expires. */
  private armProbeTimer(round: ProbeRound, now: number): void {
    const due = round.earliestExpiry(this.probeTimeoutMs);
    if (due === Number.POSITIVE_INFINITY) return;
    const handle = this.clock.setTimeout(() => this.onProbeTimer(round), Math.max(0, due - now));
    // A pending probe check must not keep the process alive.
    (handle as { unref?: () => void } | null)?.unref?.();
    round.timer = handle;
  }

  private onProbeTimer(round: ProbeRound): void {
    round.timer = undefined;
    if (this.round !== round) return;
    const now = this.clock.now();
    if (round.earliestExpiry(this.probeTimeoutMs) <= now) this.transition('open', 'probe timed out', 'fleet');
    else if (round.active > 0) this.armProbeTimer(round, now);
  }

  private emitStateChange(from: BreakerState, to: BreakerState, reason: string, at: number, remote: boolean): void {
    const emitter = this.emitter;
    if (emitter === undefined || !emitter.has('stateChange')) return;
    emitter.emit('stateChange', { name: this.name, from, to, reason, at, remote, generation: this.gen });
  }
}
