import type { Clock } from '../clock.js';
import { isNewerGeneration, nextGeneration } from '../store/generation.js';
import type { OutcomeTotals, SharedBreakerState } from '../store/types.js';
import { adoptedAttempt, type OpenPeriod } from './open-period.js';
import { VERDICT_FAILURE, VERDICT_SUCCESS, type Verdict } from './outcome.js';
import { ProbeRound } from './probes.js';
import type { BreakerState, StateChangeEvent, TripEvaluator } from './types.js';

/** Resolved, validated settings the controller runs on. */
export interface ControllerSettings {
  readonly clock: Clock;
  readonly evaluator: TripEvaluator;
  readonly openPeriod: OpenPeriod;
  readonly maxProbes: number;
  readonly successesToClose: number;
  readonly probeTimeoutMs: number;
}

/**
 * A transition the controller made, as a value: the caller carries out its effects (clears the
 * ended round's timer, publishes it to the store, emits `stateChange`).
 */
export interface Transition {
  readonly from: BreakerState;
  readonly to: BreakerState;
  readonly reason: string;
  readonly at: number;
  /** Adopted from the fleet (another replica made it). */
  readonly remote: boolean;
  /** 'local': kept off the fleet (local isolation and its release). */
  readonly scope: 'local' | 'fleet';
  /** This instance's generation after the transition. */
  readonly generation: number;
  /** The generation the store is told: the fleet's, or this instance's for a local-scope transition. */
  readonly publishedGeneration: number;
  readonly openUntil: number;
  readonly openAttempt: number;
  /** The probe round the transition ended (its timer, if any, is still armed). */
  readonly endedRound: ProbeRound | undefined;
}

/** The `stateChange` event a transition of breaker `name` is reported as. */
export function stateChangeOf(name: string, t: Transition): StateChangeEvent {
  return { name, from: t.from, to: t.to, reason: t.reason, at: t.at, remote: t.remote, generation: t.generation };
}

/** The controller's persistent fields (snapshot / `initialState`), times in the controller's clock. */
export interface ControllerState {
  readonly state: BreakerState;
  readonly generation: number;
  readonly openUntil: number;
  readonly openAttempt: number;
  readonly reason: string;
  readonly since: number;
}

/**
 * The breaker's state machine, apart from the call paths (as Polly's CircuitStateController):
 * closed → open → half-open → closed | open, plus `isolated`, with generations, probe slots and
 * the open period. Clock in, transitions out as values; no I/O, no events, no store.
 *
 * Two generation counters exist because isolation with `scope: 'local'` must not consume the
 * fleet's numbering: `fleetGeneration` follows the store (remote states are adopted only when newer
 * than it); `generation` is this instance's monotonic transition counter, ≥ the fleet's. Without a
 * store both are always equal.
 */
export class BreakerController {
  readonly clock: Clock;
  readonly probeTimeoutMs: number;
  private readonly evaluator: TripEvaluator;
  private readonly period: OpenPeriod;
  private readonly maxProbes: number;
  private readonly successesToClose: number;
  private current: BreakerState = 'closed';
  private gen = 0;
  private fleetGen = 0;
  private fleetCurrent: BreakerState = 'closed';
  private sinceAt: number;
  private until = 0;
  /** Open attempt: 1 when opened from closed, +1 per failed probe; 0 once closed. Drives a growing open period. */
  private attempt = 0;
  private why = 'created';
  /** The probe slots while half-open; undefined in every other state. */
  private probes: ProbeRound | undefined = undefined;

  constructor(s: ControllerSettings) {
    this.clock = s.clock;
    this.evaluator = s.evaluator;
    this.period = s.openPeriod;
    this.maxProbes = s.maxProbes;
    this.successesToClose = s.successesToClose;
    this.probeTimeoutMs = s.probeTimeoutMs;
    this.sinceAt = s.clock.now();
  }

  get state(): BreakerState {
    return this.current;
  }
  get generation(): number {
    return this.gen;
  }
  get fleetGeneration(): number {
    return this.fleetGen;
  }
  /** The state the fleet was last told or adopted (a local isolation is not in it). */
  get fleetState(): BreakerState {
    return this.fleetCurrent;
  }
  get since(): number {
    return this.sinceAt;
  }
  /** While open: when the open period ends; 0 otherwise. */
  get openUntil(): number {
    return this.until;
  }
  get openAttempt(): number {
    return this.attempt;
  }
  get reason(): string {
    return this.why;
  }
  /** The probe slots of the current half-open period; undefined in every other state. */
  get round(): ProbeRound | undefined {
    return this.probes;
  }
  /** The open period in force: `halfOpenAfterMs`, or with a Backoff the latest attempt's (the first before any). */
  get halfOpenAfterMs(): number {
    return this.period.currentMs;
  }

  /**
   * The state as reads report it (no side effect): without a store (`shared` false) an open breaker
   * whose period is over reads 'half-open' — the call that arrives makes the transition.
   */
  observedState(shared: boolean): BreakerState {
    const s = this.current;
    return s === 'open' && !shared && this.clock.now() >= this.until ? 'half-open' : s;
  }

  /** When a call may next be admitted as a probe: the end of the open period; +Infinity while isolated; 0 otherwise. */
  nextProbeAt(): number {
    const s = this.current;
    return s === 'open' ? this.until : s === 'isolated' ? Number.POSITIVE_INFINITY : 0;
  }

  /** Open and the open period is over at `now`. */
  dueForProbe(now: number): boolean {
    return this.current === 'open' && now >= this.until;
  }

  /** open → half-open (the caller checked `dueForProbe` and, with a store, obtained the probe lease). */
  toHalfOpen(): Transition {
    return this.transition('half-open', `open for ${Math.max(0, this.until - this.sinceAt)}ms`, 'fleet');
  }

  /**
   * Would a call at `now` be let through, the store aside? Closed: yes. Open: once the period is over.
   * Half-open: while a slot is free and no held slot has expired (an expired one fails the round on
   * admission). Isolated: no.
   */
  admits(now: number): boolean {
    const state = this.current;
    if (state === 'open') return now >= this.until;
    if (state === 'half-open') {
      const round = this.probes!;
      return round.hasFreeSlot() && round.earliestExpiry(this.probeTimeoutMs) > now;
    }
    return state === 'closed';
  }

  /** Half-open and the oldest held probe slot has outlived `probeTimeoutMs` at `now`. */
  probesExpired(now: number): boolean {
    const round = this.probes;
    return round !== undefined && round.earliestExpiry(this.probeTimeoutMs) <= now;
  }

  /** When the oldest held probe slot expires (+Infinity when none is held or not half-open). */
  probeExpiry(): number {
    const round = this.probes;
    return round === undefined ? Number.POSITIVE_INFINITY : round.earliestExpiry(this.probeTimeoutMs);
  }

  /**
   * A settled probe: a failure re-opens, the `successesToClose`-th success closes, a neutral result
   * only frees the slot. Late settlements (their round already ended, or the slot expired) are ignored.
   */
  settleProbe(
    round: ProbeRound,
    slot: number,
    result: Verdict,
    failureReason = 'probe failed',
  ): Transition | undefined {
    if (this.probes !== round || !round.holds(slot)) return undefined;
    round.release(slot);
    if (result === VERDICT_FAILURE) return this.transition('open', failureReason, 'fleet');
    if (result === VERDICT_SUCCESS && ++round.successes >= this.successesToClose) {
      return this.transition(
        'closed',
        round.successes === 1 ? 'probe succeeded' : `${round.successes} probes succeeded`,
        'fleet',
      );
    }
    return undefined;
  }

  /** Moves to `to` now; `scope: 'local'` keeps the fleet's numbering and state (local isolation). */
  transition(to: BreakerState, reason: string, scope: 'local' | 'fleet'): Transition {
    const from = this.current;
    const now = this.clock.now();
    const endedRound = this.endRound();
    this.current = to;
    this.sinceAt = now;
    this.why = reason;
    if (to === 'open') {
      // A failed probe (half-open → open) extends the schedule; opening from closed starts it.
      this.attempt = from === 'half-open' ? this.attempt + 1 : 1;
      this.until = now + this.period.periodFor(this.attempt);
    } else {
      this.until = 0;
      if (to === 'closed') this.attempt = 0;
    }
    if (to === 'half-open') this.probes = new ProbeRound(this.maxProbes);
    else this.evaluator.reset();
    if (scope === 'fleet') {
      this.fleetGen++;
      this.fleetCurrent = to;
    }
    this.gen = nextGeneration(this.gen, this.fleetGen);
    return {
      from,
      to,
      reason,
      at: now,
      remote: false,
      scope,
      generation: this.gen,
      publishedGeneration: scope === 'fleet' ? this.fleetGen : this.gen,
      openUntil: this.until,
      openAttempt: this.attempt,
      endedRound,
    };
  }

  /**
   * A state from elsewhere in the fleet, applied when its generation is newer than the fleet's last
   * seen. `heldLocally` (a local isolation) keeps this instance where it is; only the fleet's
   * numbering moves. Returns the transition, or undefined when the local state did not change (a
   * re-numbered state of the same kind moves the generation without an event).
   */
  adopt(remote: SharedBreakerState, heldLocally: boolean): Transition | undefined {
    if (!isNewerGeneration(remote.generation, this.fleetGen)) return undefined;
    const to: BreakerState = remote.state === 'half-open' ? 'open' : remote.state;
    this.fleetGen = remote.generation;
    this.fleetCurrent = to;
    if (heldLocally) return undefined;
    const now = this.clock.now();
    const from = this.current;
    this.attempt = adoptedAttempt(remote, to, from, this.attempt);
    const openUntil =
      to === 'open' ? (remote.openUntil > 0 ? remote.openUntil : now + this.period.periodFor(this.attempt)) : 0;
    if (to === from) {
      this.until = openUntil;
      if (this.gen < this.fleetGen) this.gen = this.fleetGen;
      return undefined;
    }
    const endedRound = this.endRound();
    this.current = to;
    this.gen = nextGeneration(this.gen, this.fleetGen);
    this.sinceAt = now;
    this.why = remote.reason;
    this.until = openUntil;
    this.evaluator.reset();
    return {
      from,
      to,
      reason: remote.reason,
      at: now,
      remote: true,
      scope: 'fleet',
      generation: this.gen,
      publishedGeneration: this.fleetGen,
      openUntil,
      openAttempt: this.attempt,
      endedRound,
    };
  }

  /** Tells the fleet `state` without changing this instance's (isolation handles of mixed scope). */
  fleetOnly(state: 'isolated' | 'closed', reason: string): SharedBreakerState {
    this.fleetGen++;
    this.fleetCurrent = state;
    this.gen = nextGeneration(this.gen, this.fleetGen);
    return { state, generation: this.fleetGen, openUntil: 0, reason, at: this.clock.now(), origin: '', openAttempt: 0 };
  }

  /** This breaker's state as the fleet should see it (a local isolation is not shown). */
  fleetView(): SharedBreakerState {
    const open = this.fleetCurrent === 'open';
    return {
      state: this.fleetCurrent,
      generation: this.fleetGen,
      openUntil: open ? this.until : 0,
      reason: this.why,
      at: this.sinceAt,
      origin: '',
      openAttempt: this.attempt,
    };
  }

  /** Aggregate mode: would these fleet-wide totals trip? */
  shouldTripOn(totals: OutcomeTotals): boolean {
    return this.evaluator.shouldTripOn(totals);
  }

  /** `reset()` of a closed breaker: an empty window and a fresh open schedule, no transition. */
  clearWindow(): void {
    this.evaluator.reset();
    this.attempt = 0;
  }

  /** Starts from a restored state (`initialState`, validated); the fleet's view is the same. */
  restore(s: ControllerState): void {
    this.current = s.state;
    this.fleetCurrent = s.state;
    this.gen = s.generation;
    this.fleetGen = s.generation;
    this.why = s.reason;
    this.sinceAt = s.since;
    this.attempt = s.openAttempt;
    this.until = s.openUntil;
  }

  /**
   * Ends the half-open round, if any, without a transition (the breaker is shutting down; late probe
   * settlements are then ignored). Returns it so the caller can clear its timer.
   */
  endRound(): ProbeRound | undefined {
    const round = this.probes;
    this.probes = undefined;
    return round;
  }
}
