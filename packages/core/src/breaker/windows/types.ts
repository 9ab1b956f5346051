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
}
