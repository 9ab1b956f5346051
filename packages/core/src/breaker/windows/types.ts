/**
 * A window of recent call outcomes. Implementations keep running totals so reading a rate is
 * O(1); only `add` and lazy rotation touch the underlying storage.
 */
export interface OutcomeWindow {
  /** Records one outcome. `now` is only read by time-based windows. */
  add(failure: boolean, slow: boolean, now: number): void;
  /** Calls currently in the window (after rotating out expired ones as of `now`). */
  total(now: number): number;
  /** Failures currently in the window. Call `total(now)` first to rotate. */
  readonly failures: number;
  /** Slow successes currently in the window. Call `total(now)` first to rotate. */
  readonly slow: number;
  /** Forgets every outcome. */
  reset(): void;
  /** The window's contents, JSON-safe (`breaker.toJSON()`). Times are converted with `time`. */
  exportState(time: SnapshotTime): unknown;
  /**
   * Replaces the contents with what `exportState` returned; false (window untouched) when `data` is
   * not of that form.
   */
  importState(data: unknown, time: SnapshotTime): boolean;
}

/** The breaker clock and the wall clock at one instant: snapshots store wall-clock times. */
export interface SnapshotTime {
  readonly clockNow: number;
  readonly wallNow: number;
}
