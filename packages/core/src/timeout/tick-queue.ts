import type { Clock } from '../clock.js';
import { IntrusiveList } from '../internal/linked-list.js';
import { isRefable, type DeadlineEntry, type Deadlines } from './deadline-queue.js';

/**
 * Deadlines of one timeout policy on a clock with `coarseDeadlines` (the real clock), without
 * reading the time per call. The plain version is {@link DeadlineQueue}; a differential property
 * test (tick-queue.property.test.ts) runs both on the same schedule.
 *
 * Why: on some hosts (VMs without a vDSO clock, such as the bench machine: ~140 ns per call)
 * `Date.now()` / `performance.now()` cost more than the rest of the timeout policy.
 * Cost: deadlines fire up to 10 % (two ticks) late, and a timer ticks every ms/20 while calls are
 * pending.
 *
 * This queue counts ticks of a single timer firing every `tickMs` (ms/20) while calls are pending.
 * Calls are queued in arrival order, which is also deadline order since they share `ms`; a call
 * expires on the first tick that is certainly `ms` after it started: between ms and ms + 2 ticks
 * (+10 %), never early.
 * When nothing is pending the timer is unref'd (it no longer keeps the process alive) and stops
 * at its next tick.
 */
export class TickQueue implements Deadlines {
  private readonly pending = new IntrusiveList<DeadlineEntry>();
  private tick = 0;
  private handle: unknown;
  private sleeping = false;
  private readonly tickMs: number;
  /** Ticks after the one a call arrived in, at which it has certainly waited `ms`. */
  private readonly ticksToExpire: number;

  constructor(
    private readonly clock: Clock,
    ms: number,
  ) {
    this.tickMs = Math.max(1, ms / 20);
    this.ticksToExpire = Math.ceil(ms / this.tickMs) + 1;
  }

  add(entry: DeadlineEntry): void {
    entry.deadline = this.tick;
    entry.queued = true;
    this.pending.push(entry);
    if (this.handle === undefined) {
      this.handle = this.clock.setTimeout(this.onTick, this.tickMs);
    } else if (this.sleeping) {
      if (isRefable(this.handle)) this.handle.ref();
      this.sleeping = false;
    }
  }

  remove(entry: DeadlineEntry): void {
    if (!entry.queued) return;
    this.unlink(entry);
    if (this.pending.isEmpty && this.handle !== undefined && !this.sleeping) {
      // Handles that cannot be unref'd (other clocks) just tick once more and stop.
      if (isRefable(this.handle)) this.handle.unref();
      this.sleeping = true;
    }
  }

  private unlink(entry: DeadlineEntry): void {
    entry.queued = false;
    this.pending.remove(entry);
  }

  private readonly onTick = (): void => {
    this.handle = undefined;
    this.sleeping = false;
    const tick = ++this.tick;
    let e = this.pending.head;
    while (e !== undefined && tick - e.deadline >= this.ticksToExpire) {
      this.unlink(e);
      e.expire();
      e = this.pending.head;
    }
    if (!this.pending.isEmpty && this.handle === undefined) {
      this.handle = this.clock.setTimeout(this.onTick, this.tickMs);
    }
  };
}
