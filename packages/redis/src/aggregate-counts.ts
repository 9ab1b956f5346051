import type { OutcomeTotals, ParticipantCallbacks } from '@breakwater/core/internal';
import type { StoreContext } from './context.js';
import type { BreakerKeys } from './keys.js';

/** What the counts need from their breaker group. */
export interface TotalsOwner {
  readonly keys: BreakerKeys;
  /**
   * A closed breaker of the group that may judge fleet totals; undefined while the group is not
   * closed or is busy writing.
   */
  judge(): Pick<ParticipantCallbacks, 'shouldTrip'> | undefined;
  /** The fleet totals say: open. */
  tripOnTotals(totals: OutcomeTotals): void;
}

const BUCKETS = 10;

/**
 * Aggregate mode: outcomes counted locally (a few increments per call, nothing else) and flushed
 * every `flushIntervalMs` as one script that adds them to the current Redis bucket and returns the
 * fleet's totals over `aggregateWindowMs`. Buckets expire with the window.
 */
export class AggregateCounts {
  private successes = 0;
  private failures = 0;
  private slowCalls = 0;

  /** Hot path. */
  record(outcome: 'success' | 'failure', slow: boolean): void {
    if (outcome === 'success') this.successes++;
    else this.failures++;
    if (slow) this.slowCalls++;
  }

  /** Flushes pending counts (one command) and asks a closed breaker whether the totals trip it. */
  flush(owner: TotalsOwner, ctx: StoreContext): void {
    const { successes: s, failures: f, slowCalls: w } = this;
    if (s + f === 0) return;
    this.successes = 0;
    this.failures = 0;
    this.slowCalls = 0;
    if (!ctx.healthy || owner.judge() === undefined) return; // counts of an open breaker mean nothing to the fleet
    const bucketMs = Math.max(1, Math.ceil(ctx.options.aggregateWindowMs / BUCKETS));
    ctx
      .run(() => ctx.scripts.bwAggregate(owner.keys.counts, bucketMs, BUCKETS, s, f, w))
      .then(
        (raw) => {
          const a = Array.isArray(raw) ? raw.map(Number) : [];
          if (a.length !== 4 || a.some((x) => !Number.isFinite(x)))
            throw new Error(`unexpected aggregate reply: ${JSON.stringify(raw)}`);
          const totals: OutcomeTotals = { successes: a[1]!, failures: a[2]!, slowCalls: a[3]! };
          const judge = owner.judge();
          if (judge !== undefined && judge.shouldTrip(totals)) owner.tripOnTotals(totals);
        },
        () => undefined,
      ) // run() counted and reported it
      .catch((e: unknown) => ctx.report(e));
  }
}
