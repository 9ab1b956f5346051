import type { BreakerController } from './controller.js';
import { badWindow, SNAPSHOT_VERSION } from './snapshot.js';
import type { BreakerSnapshot, BreakerState, TripEvaluator } from './types.js';
import type { SnapshotTime } from './windows/types.js';

/** `toJSON()`: the controller's state and times in wall-clock ms, plus the trip window. */
export function snapshotOf(
  name: string,
  ctl: BreakerController,
  evaluator: TripEvaluator,
  tripName: string,
  time: SnapshotTime,
): BreakerSnapshot {
  const toWall = (t: number): number => t - time.clockNow + time.wallNow;
  const window = evaluator.exportState?.(time);
  const state = ctl.state;
  return {
    version: SNAPSHOT_VERSION,
    name,
    state,
    openUntil: state === 'open' ? toWall(ctl.openUntil) : null,
    openAttempt: ctl.openAttempt,
    generation: ctl.generation,
    reason: ctl.reason,
    since: toWall(ctl.since),
    trip: { kind: tripName, window: window === undefined ? null : window }, // `kind`: the snapshot format's key
  };
}

/**
 * Applies a validated snapshot at construction (`initialState`). A half-open snapshot restores as
 * open and due at once (its probes did not survive); an isolated one stays isolated until `reset()`
 * (no handle survived either). Throws a ConfigError when the trip window could not be read.
 */
export function restoreSnapshot(
  ctl: BreakerController,
  evaluator: TripEvaluator,
  tripName: string,
  s: BreakerSnapshot,
  time: SnapshotTime,
): void {
  const toClock = (t: number): number => t - time.wallNow + time.clockNow;
  const state: BreakerState = s.state === 'half-open' ? 'open' : s.state;
  ctl.restore({
    state,
    generation: s.generation,
    reason: s.reason,
    since: Math.min(toClock(s.since), time.clockNow),
    openAttempt: state === 'closed' ? 0 : state === 'open' ? Math.max(1, s.openAttempt) : s.openAttempt,
    openUntil: state !== 'open' ? 0 : s.openUntil === null ? time.clockNow : toClock(s.openUntil),
  });
  const window = s.trip.window;
  if (state !== 'closed' || s.trip.kind !== tripName || window === null || evaluator.importState === undefined) return;
  if (!evaluator.importState(window, time)) throw badWindow(tripName, window);
}
