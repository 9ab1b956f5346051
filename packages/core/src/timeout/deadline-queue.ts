import { systemClock, type Clock } from '../clock.js';

/** An entry of a {@link DeadlineQueue}: a pending call with its deadline. */
export abstract class DeadlineEntry {
  prev: DeadlineEntry | undefined;
  next: DeadlineEntry | undefined;
  deadline = 0;
  queued = false;
  /** Called once when the deadline passes while the entry is still queued. */
  abstract expire(): void;
}

/** Node timer handles can stop keeping the process alive; other clocks' handles cannot. */
interface Refable { ref(): unknown; unref(): unknown }
const isRefable = (h: unknown): h is Refable =>
  typeof h === 'object' && h !== null && typeof (h as Refable).unref === 'function' && typeof (h as Refable).ref === 'function';

/**
 * The deadlines of one timeout policy, in order, behind a single clock timer.
 *
 * Why: a Node timer per call costs a setTimeout + clearTimeout pair (~100–300 ns) and churns the
 * timer lists. All calls of one policy share the same duration, so their deadlines arrive in
 * insertion order: one timer armed for the earliest is enough. A call that settles just leaves
 * the list (O(1)). When the list empties, a Node timer is unref'd rather than cleared (it no longer
 * keeps the process alive and is reused by the next call); a timer of any other clock (ManualClock)
 * is cleared, so tests see no pending timer once calls settle.
 */
export class DeadlineQueue {
  private head: DeadlineEntry | undefined;
  private tail: DeadlineEntry | undefined;
  private handle: unknown;
  private armedFor = Infinity;
  private sleeping = false;
  /** Monotonic time for the real clock (Date.now can step); the injected clock otherwise. */
  private readonly now: () => number;
  /** Node timers may fire a fraction of a millisecond before a performance.now() deadline. */
  private readonly slackMs: number;

  constructor(private readonly clock: Clock) {
    const real = clock === systemClock;
    this.now = real ? () => performance.now() : () => clock.now();
    this.slackMs = real ? 1 : 0;
  }

  /** Queues `entry` to expire `ms` from now. */
  add(entry: DeadlineEntry, ms: number): void {
    const deadline = this.now() + ms;
    entry.deadline = deadline;
    entry.queued = true;
    // Insert from the tail: normally the new deadline is the latest, so this is O(1).
    let after = this.tail;
    while (after !== undefined && after.deadline > deadline) after = after.prev;
    entry.prev = after;
    entry.next = after === undefined ? this.head : after.next;
    if (entry.next !== undefined) entry.next.prev = entry;
    else this.tail = entry;
    if (after !== undefined) after.next = entry;
    else this.head = entry;

    if (this.handle === undefined || deadline < this.armedFor) this.arm(deadline);
    else if (this.sleeping) {
      (this.handle as Refable).ref();
      this.sleeping = false;
    }
  }

  /** Takes `entry` out (its call settled). Idempotent. */
  remove(entry: DeadlineEntry): void {
    if (!entry.queued) return;
    this.unlink(entry);
    if (this.head === undefined && this.handle !== undefined) {
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
    let n = 0;
    for (let e = this.head; e !== undefined; e = e.next) n++;
    return n;
  }

  private unlink(entry: DeadlineEntry): void {
    entry.queued = false;
    if (entry.prev !== undefined) entry.prev.next = entry.next;
    else this.head = entry.next;
    if (entry.next !== undefined) entry.next.prev = entry.prev;
    else this.tail = entry.prev;
    entry.prev = entry.next = undefined;
  }

  private arm(deadline: number): void {
    if (this.handle !== undefined) this.clock.clearTimeout(this.handle);
    this.armedFor = deadline;
    this.sleeping = false;
    this.handle = this.clock.setTimeout(this.onFire, Math.max(0, Math.ceil(deadline - this.now())));
  }

  private readonly onFire = (): void => {
    this.handle = undefined;
    this.armedFor = Infinity;
    this.sleeping = false;
    const now = this.now() + this.slackMs;
    let e = this.head;
    while (e !== undefined && e.deadline <= now) {
      this.unlink(e);
      // expire() may start or settle other calls synchronously (abort listeners); the list stays valid.
      e.expire();
      e = this.head;
    }
    if (this.head !== undefined && this.handle === undefined) this.arm(this.head.deadline);
  };
}
