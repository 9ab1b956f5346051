import type { Clock } from '../clock.js';
import { IntrusiveList, type Linked } from '../internal/linked-list.js';

/** An entry of a {@link DeadlineQueue} or {@link TickQueue}: a pending call with its deadline. */
export interface DeadlineEntry extends Linked<DeadlineEntry> {
  /** Set by the queue (a time or a tick count); start at 0. */
  deadline: number;
  /** True while the entry is in a queue; start false. */
  queued: boolean;
  /** Called once when the deadline passes while the entry is still queued. */
  expire(): void;
}

/** Where a timeout policy keeps its pending calls. */
export interface Deadlines {
  /** Queues `entry` to expire the policy's `ms` from now. */
  add(entry: DeadlineEntry): void;
  /** Takes `entry` out (its call settled). Idempotent. */
  remove(entry: DeadlineEntry): void;
}

/** Node timer handles can stop keeping the process alive; other clocks' handles cannot. */
interface Refable {
  ref(): unknown;
  unref(): unknown;
}
export const isRefable = (h: unknown): h is Refable =>
  typeof h === 'object' &&
  h !== null &&
  typeof (h as Refable).unref === 'function' &&
  typeof (h as Refable).ref === 'function';

/**
 * Exact deadlines of one timeout policy on an injected clock (ManualClock in tests, or any custom
 * clock), in order, behind a single clock timer armed for the earliest. Clocks with
 * `coarseDeadlines` (the real clock) use {@link TickQueue} instead, which avoids reading the time
 * per call.
 *
 * A call that settles just leaves the list (O(1)). When the list empties the timer is cleared
 * (unref'd instead if the clock hands out Node timers), so tests see no pending timer once calls
 * settle. Insertion keeps deadline order even if the clock steps backwards.
 */
export class DeadlineQueue implements Deadlines {
  private readonly pending = new IntrusiveList<DeadlineEntry>();
  private handle: unknown;
  private armedFor = Infinity;
  private sleeping = false;
  constructor(
    private readonly clock: Clock,
    private readonly ms: number,
  ) {}

  add(entry: DeadlineEntry): void {
    const deadline = this.clock.now() + this.ms;
    entry.deadline = deadline;
    entry.queued = true;
    // Insert from the tail: normally the new deadline is the latest, so this is O(1).
    let after = this.pending.tail;
    while (after !== undefined && after.deadline > deadline) after = after.prev;
    this.pending.insertAfter(after, entry);

    if (this.handle === undefined || deadline < this.armedFor) this.arm(deadline);
    else if (this.sleeping) {
      (this.handle as Refable).ref();
      this.sleeping = false;
    }
  }

  remove(entry: DeadlineEntry): void {
    if (!entry.queued) return;
    this.unlink(entry);
    if (this.pending.isEmpty && this.handle !== undefined) {
      if (isRefable(this.handle)) {
        (this.handle as Refable).unref();
        this.sleeping = true;
      } else {
        this.clock.clearTimeout(this.handle);
        this.handle = undefined;
        this.armedFor = Infinity;
      }
    }
  }

  /** Entries waiting now (for tests and leak checks). */
  get size(): number {
    return this.pending.count();
  }

  private unlink(entry: DeadlineEntry): void {
    entry.queued = false;
    this.pending.remove(entry);
  }

  private arm(deadline: number): void {
    if (this.handle !== undefined) this.clock.clearTimeout(this.handle);
    this.armedFor = deadline;
    this.sleeping = false;
    this.handle = this.clock.setTimeout(this.onFire, Math.max(0, deadline - this.clock.now()));
  }

  private readonly onFire = (): void => {
    this.handle = undefined;
    this.armedFor = Infinity;
    this.sleeping = false;
    const now = this.clock.now();
    let e = this.pending.head;
    while (e !== undefined && e.deadline <= now) {
      this.unlink(e);
      // expire() may start or settle other calls synchronously (abort listeners); the list stays valid.
      e.expire();
      e = this.pending.head;
    }
    const next = this.pending.head;
    if (next !== undefined && this.handle === undefined) this.arm(next.deadline);
  };
}
