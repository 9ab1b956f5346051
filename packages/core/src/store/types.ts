import type { BreakerState } from '../kernel/breaker-state.js';
import type { Clock } from '../clock.js';

/**
 * A breaker's state as the fleet sees it. `generation` increases by one on every transition
 * anywhere in the fleet; a replica adopts a remote state only when its generation is newer.
 */
export interface SharedBreakerState {
  readonly state: BreakerState;
  readonly generation: number;
  /**
   * While `state` is 'open': the time (in the receiving breaker's clock) after which a probe may be
   * attempted. 0 otherwise. Stores translate from their own time base (e.g. Redis TIME).
   */
  readonly openUntil: number;
  /** Why the transition happened ('consecutive failures', 'probe failed', 'isolated', ...). */
  readonly reason: string;
  /** When it happened (breaker clock). */
  readonly at: number;
  /** Instance id of the replica that made the transition. */
  readonly origin: string;
  /**
   * Open attempt behind this state: 1 when the fleet opened from closed, +1 per failed probe, 0
   * once closed. With a growing open period (`halfOpenAfterMs` given a Backoff) every replica
   * computes the next period from it. Optional: a store that does not carry it makes replicas
   * count locally.
   */
  readonly openAttempt?: number;
}

/** Outcome counts a breaker reports in aggregate mode. */
export interface OutcomeTotals {
  readonly successes: number;
  readonly failures: number;
  readonly slowCalls: number;
}

/**
 * The read side of an attached breaker: who it is, its timings and its current state. A store reads
 * these; reading never changes the breaker.
 */
export interface ParticipantView {
  readonly name: string;
  readonly halfOpenAfterMs: number;
  /**
   * Optional: the breaker's clock. Shared stores translate remote timestamps (`openUntil`, `at`)
   * into it; without it they assume {@link Clock} time equals `Date.now()` (systemClock).
   */
  readonly clock?: Clock;
  /**
   * Optional: `halfOpen.probeTimeoutMs`. Shared stores size the fleet probe lease from it so a
   * lease outlives one probe; without it they derive the lease from `halfOpenAfterMs`.
   */
  readonly probeTimeoutMs?: number;
  /** The breaker's current state. */
  snapshot(): SharedBreakerState;
}

/** The callback side of an attached breaker: what a store tells it about the fleet. */
export interface ParticipantCallbacks {
  /**
   * A newer state from elsewhere in the fleet. The breaker adopts it when `state.generation` is
   * newer than its own and emits `stateChange` with `remote: true`. Stores never forward
   * 'half-open': only the replica holding the probe lease is half-open.
   */
  adopt(state: SharedBreakerState): void;
  /** The store granted this replica the fleet's probe lease (after `requestProbe()` returned false). */
  probeGranted(): void;
  /** Aggregate mode: would these fleet-wide totals trip the breaker? */
  shouldTrip(totals: OutcomeTotals): boolean;
}

/**
 * What a breaker shows a store when it attaches: both sides. Implemented by the circuit breaker.
 * Store code that needs less takes the narrower {@link ParticipantView} or a `Pick` of
 * {@link ParticipantCallbacks} (the memory store never calls `probeGranted` or `shouldTrip`).
 */
export interface BreakerParticipant extends ParticipantView, ParticipantCallbacks {}

/** What a store hands back to an attached breaker. Every method is synchronous and cheap. */
export interface BreakerLink {
  /**
   * The breaker made a local transition to `next` (from `from`). The store records and publishes it
   * in the background. Never throws, never blocks the caller. `scope: 'local'` (isolate with local
   * scope) keeps it off the fleet.
   */
  publish(next: SharedBreakerState, from: BreakerState, scope?: 'local' | 'fleet'): void;
  /**
   * The breaker's open period has passed and it wants to probe. `true`: go half-open now (lease held
   * or no coordination possible). `false`: stay open and keep rejecting; the store calls
   * `participant.probeGranted()` if it obtains the lease later, or `adopt()` with the prober's result.
   */
  requestProbe(): boolean;
  /**
   * Optional, synchronous and side-effect free: could `requestProbe()` return true now? False only
   * when the store knows the fleet's probe lease is taken elsewhere (or the fleet is isolated);
   * true when it is free, held here, or unknown. Balancers use it to skip an endpoint whose breaker
   * would reject. Missing = "maybe".
   */
  probeAvailable?(): boolean;
  /** The probe round finished (its result was published); release the lease if held. */
  releaseProbe(): void;
  /** Aggregate mode: count one outcome. A no-op in state mode. */
  record(outcome: 'success' | 'failure', slow: boolean): void;
  /** Detach the breaker (on breaker disposal). */
  detach(): void;
}

/**
 * Shared breaker state. Breakers with the same name attached to one store share state. The hot
 * path never awaits a store: every call into a link is synchronous and local.
 */
export interface BreakerStore {
  attach(participant: BreakerParticipant): BreakerLink;
  close(): Promise<void>;
}
