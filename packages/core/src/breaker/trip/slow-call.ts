import type { OutcomeWindow } from '../windows/types.js';

/**
 * The reason to trip on slow calls, or undefined: slow successes reach `threshold` of a window
 * that holds at least `minimum` calls. `total` must come from `window.total(now)` just before.
 */
export function slowCallReason(
  window: OutcomeWindow,
  total: number,
  threshold: number,
  minimum: number,
): string | undefined {
  if (total < minimum || total === 0) return undefined;
  const rate = window.slow / total;
  return rate >= threshold ? `slow call rate ${percent(rate)} ≥ ${percent(threshold)} over ${total} calls` : undefined;
}

/** 0.5 → "50%", 0.333 → "33.3%". */
export function percent(ratio: number): string {
  return `${Math.round(ratio * 1000) / 10}%`;
}
