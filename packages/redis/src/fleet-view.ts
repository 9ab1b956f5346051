import { systemClock } from '@breakwater/core';
import { nextGeneration, type ParticipantView, type SharedBreakerState } from '@breakwater/core/internal';
import type { FleetRecord, FleetStateName } from './records.js';

/** Monotonic milliseconds of this process: the store's own time base. */
export function mono(): number {
  return performance.now();
}

/**
 * What this replica knows of a breaker's fleet-wide state. Redis times are turned into durations
 * on arrival and re-based on the local monotonic clock, so neither Redis's nor any replica's wall
 * clock matters, only the (tiny) delivery latency.
 */
export interface FleetView {
  readonly state: FleetStateName;
  /** Fleet generation last seen; 0 = nothing known (or Redis holds nothing). */
  readonly gen: number;
  /** While open: when the fleet may probe (mono ms). */
  readonly openUntil: number;
  /** When the transition happened (mono ms). */
  readonly at: number;
  readonly reason: string;
  readonly origin: string;
  /** Unexpired quorum votes when last seen. */
  readonly votes: number;
  /** While open: the fleet's open attempt, when the record carries it. */
  readonly openAttempt?: number;
}

/** The view before anything was read. */
export const EMPTY_VIEW: FleetView = { state: 'closed', gen: 0, openUntil: 0, at: 0, reason: '', origin: '', votes: 0 };

/** Re-bases a record read or received now on the local monotonic clock. */
export function viewOf(rec: FleetRecord, votes: number, now = mono()): FleetView {
  return {
    state: rec.state,
    gen: rec.gen,
    openUntil: rec.state === 'open' ? now + Math.max(0, rec.openUntil - rec.now) : 0,
    at: now - Math.max(0, rec.now - rec.at),
    reason: rec.reason,
    origin: rec.origin,
    votes,
    ...(rec.openAttempt === undefined ? {} : { openAttempt: rec.openAttempt }),
  };
}

/**
 * The view as a state for one participant: times in the participant's clock, and a generation
 * newer than the participant's own so the breaker adopts it (local generations may run ahead of
 * the fleet's when transitions stayed local, e.g. below quorum).
 */
export function sharedFor(
  view: FleetView,
  p: Pick<ParticipantView, 'clock'>,
  ownGeneration: number,
): SharedBreakerState {
  const clock = p.clock ?? systemClock;
  const pNow = clock.now();
  const now = mono();
  return {
    state: view.state,
    generation: nextGeneration(ownGeneration, view.gen),
    openUntil: view.state === 'open' ? pNow + Math.max(0, view.openUntil - now) : 0,
    reason: view.reason,
    at: pNow - Math.max(0, now - view.at),
    origin: view.origin,
    ...(view.openAttempt === undefined ? {} : { openAttempt: view.openAttempt }),
  };
}
