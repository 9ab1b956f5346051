import type { Clock } from '../clock.js';
import type { LevelSettings, PlanSummary } from './level-plan.js';
import type { RegionChangeEvent } from './types.js';

/**
 * One timer that re-plans when the earliest open breaker's period ends (its endpoint may be offered
 * again). Re-armed after every rebuild; unref'd; cleared on close.
 */
export class BreakerRecheck {
  /** When the armed timer fires (Infinity: none). */
  at = Infinity;
  private timer: unknown = undefined;

  constructor(
    private readonly clock: Clock,
    private readonly onDue: () => void,
  ) {}

  /** Arms the timer for `at` (Infinity or `off`: none), replacing an earlier one. */
  schedule(at: number, off: boolean): void {
    if (at === this.at) return;
    this.clear();
    this.at = at;
    if (at === Infinity || off) return;
    this.timer = this.clock.setTimeout(
      () => {
        this.timer = undefined;
        this.at = Infinity;
        this.onDue();
      },
      Math.max(0, at - this.clock.now()),
    );
    (this.timer as { unref?: () => void } | null)?.unref?.();
  }

  clear(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/** Follows the region receiving most traffic across rebuilds and says why it changed. */
export class RegionTracker {
  region: string | undefined = undefined;
  private known = false;

  constructor(private readonly levels: LevelSettings) {}

  /** Adopts the rebuild's region; returns the regionChange payload when it moved (never on the first rebuild). */
  update(summary: PlanSummary, at: number): RegionChangeEvent | undefined {
    const to = summary.currentRegion;
    const from = this.region;
    this.region = to;
    if (!this.known) {
      this.known = true;
      return undefined;
    }
    if (from === to) return undefined;
    const first = this.levels.order?.[0];
    let reason: string;
    if (summary.panic) reason = `panic: healthy share of the fleet below panicThreshold ${this.levels.panicThreshold}`;
    else if (to !== undefined && to === first) reason = `recovered: ${to} healthy again`;
    else if (from !== undefined)
      reason = `failover: ${from} healthy share ${Math.round((summary.shares.get(from) ?? 0) * 100)}%`;
    else reason = 'endpoints changed';
    return { from, to, reason, at };
  }
}
