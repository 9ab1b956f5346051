import { BreakerStateMachine } from './state-machine.js';
import { nextGeneration } from '../store/generation.js';
import { SNAPSHOT_VERSION } from './snapshot.js';
import type { BreakerSnapshot, BreakerState } from './types.js';
import type { SnapshotTime } from './windows/types.js';

/**
 * Manual control and persistence on top of the state machine: counted `isolate()` handles,
 * `reset()`, and the snapshot `toJSON()` writes and `initialState` restores.
 */
export abstract class BreakerManualControl extends BreakerStateMachine {
  /**
   * Forces the breaker into `isolated` until every returned handle is released: handles are
   * counted, `release()` is idempotent per handle. `local` keeps the isolation to this instance;
   * otherwise it is published to the fleet (when a store is attached). `reset()` or the fleet
   * leaving isolation ends it at once and makes the outstanding handles inert.
   */
  protected isolateNow(local: boolean): { release(): void } {
    const token = (this.isolation ??= { local: 0, fleet: 0 });
    if (local) token.local++;
    else token.fleet++;
    if (this.current !== 'isolated') this.transition('isolated', local ? 'isolated locally' : 'isolated', local ? 'local' : 'fleet');
    else if (!local && this.fleetState !== 'isolated') this.publishFleetOnly('isolated', 'isolated');
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        if (this.isolation !== token) return;
        if (local) token.local--;
        else token.fleet--;
        if (token.local + token.fleet > 0) {
          // The last fleet handle went while a local one remains: the fleet is released, this instance stays isolated.
          if (!local && token.fleet === 0 && this.fleetState === 'isolated') this.publishFleetOnly('closed', 'released');
          return;
        }
        this.isolation = undefined;
        this.transition('closed', 'released', local ? 'local' : 'fleet');
      },
    };
  }

  /** Forces the breaker closed with an empty window (fleet-wide unless only locally isolated). */
  protected resetNow(): void {
    const iso = this.isolation;
    const local = iso !== undefined && iso.local > 0 && iso.fleet === 0;
    this.isolation = undefined;
    if (this.current === 'closed') {
      this.evaluator.reset();
      this.openAttempt = 0;
    } else {
      this.transition('closed', 'reset', local ? 'local' : 'fleet');
    }
  }

  /** The machine's part of `toJSON()`: state and times in wall-clock ms, plus the trip window. */
  protected snapshotAt(time: SnapshotTime, tripKind: string): BreakerSnapshot {
    const toWall = (t: number): number => t - time.clockNow + time.wallNow;
    const window = this.evaluator.exportState?.(time);
    return {
      version: SNAPSHOT_VERSION,
      name: this.name,
      state: this.current,
      openUntil: this.current === 'open' ? toWall(this.openUntil) : null,
      openAttempt: this.openAttempt,
      generation: this.gen,
      reason: this.reason,
      since: toWall(this.since),
      trip: { kind: tripKind, window: window === undefined ? null : window },
    };
  }

  /**
   * Applies a validated snapshot at construction (`initialState`). A half-open snapshot restores
   * as open and due at once (its probes did not survive); an isolated one stays isolated until
   * `reset()` (no handle survived either). Returns false when the trip window could not be read.
   */
  protected restoreAt(s: BreakerSnapshot, time: SnapshotTime, tripKind: string): boolean {
    const toClock = (t: number): number => t - time.wallNow + time.clockNow;
    const state: BreakerState = s.state === 'half-open' ? 'open' : s.state;
    this.current = state;
    this.fleetState = state;
    this.gen = s.generation;
    this.fleetGen = s.generation;
    this.reason = s.reason;
    this.since = Math.min(toClock(s.since), time.clockNow);
    this.openAttempt = state === 'closed' ? 0 : state === 'open' ? Math.max(1, s.openAttempt) : s.openAttempt;
    this.openUntil = state !== 'open' ? 0 : s.openUntil === null ? time.clockNow : toClock(s.openUntil);
    const window = s.trip.window;
    if (state !== 'closed' || s.trip.kind !== tripKind || window === null || this.evaluator.importState === undefined) return true;
    return this.evaluator.importState(window, time);
  }

  /** Publishes a fleet state without changing this instance's (isolation handles of mixed scope). */
  private publishFleetOnly(state: 'isolated' | 'closed', reason: string): void {
    this.fleetGen++;
    this.fleetState = state;
    this.gen = nextGeneration(this.gen, this.fleetGen);
    this.link?.publish({ state, generation: this.fleetGen, openUntil: 0, reason, at: this.clock.now(), origin: '', openAttempt: 0 }, this.current, 'fleet');
  }
}
