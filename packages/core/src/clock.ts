/**
 * Time source for every time-dependent policy. Inject {@link ManualClock} in tests so they are
 * deterministic; production code uses {@link systemClock}.
 */
export interface Clock {
  /** Milliseconds since an arbitrary epoch; only differences matter. */
  now(): number;
  /**
   * Schedules `fn` after `ms` milliseconds; returns a handle for {@link Clock.clearTimeout}.
   * Any finite `ms` must work, also beyond Node's 2^31−1 ms timer limit ({@link systemClock}
   * re-arms long timers in chunks); `Infinity` never fires.
   */
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  /**
   * Optional: runs `fn` on a later turn of the event loop, after pending I/O (Node's
   * `setImmediate`), without waiting for any time to pass. Retries with no delay yield through it
   * so a synchronously failing function cannot starve the event loop. Clocks without it get
   * `setImmediate` (or `setTimeout(fn, 0)` where that does not exist).
   */
  setImmediate?(fn: () => void): void;
  /**
   * Optional: milliseconds with sub-millisecond resolution from an arbitrary epoch (only
   * differences matter), e.g. `performance.now()`. Latency-driven policies (`adaptiveConcurrency`)
   * use it when present; clocks without it are read through `now()`.
   */
  hiResNow?(): number;
  /**
   * Optional capability: `true` when deadlines may be counted in ticks of one shared timer and so
   * fire up to 10 % late (never early), because reading `now()` per call costs more than the rest
   * of a timeout policy (`Date.now()` on hosts without a vDSO clock). `timeout()` then avoids
   * reading the time per call. Unset (ManualClock, custom clocks): deadlines are exact.
   */
  readonly coarseDeadlines?: boolean;
}

/** Node's timers overflow above this (TimeoutOverflowWarning, then fire after ~1 ms). */
export const MAX_TIMER_MS = 2 ** 31 - 1;

type NodeTimeout = ReturnType<typeof setTimeout> & { ref?(): unknown; unref?(): unknown; hasRef?(): boolean };

/**
 * A timer longer than {@link MAX_TIMER_MS}: re-armed in chunks of at most that length until the
 * whole delay has passed. Node timers are monotonic, so counting down the chunks needs no clock
 * read (and is immune to wall-clock steps). Exposes `ref`/`unref` like a Node timer.
 */
class LongTimer {
  private timer: NodeTimeout | undefined;
  private refed = true;

  constructor(
    private readonly fn: () => void,
    private left: number,
  ) {
    this.arm();
  }

  private arm(): void {
    if (this.left <= MAX_TIMER_MS) {
      this.timer = setTimeout(this.fn, this.left) as NodeTimeout;
    } else {
      this.left -= MAX_TIMER_MS;
      this.timer = setTimeout(this.rearm, MAX_TIMER_MS) as NodeTimeout;
    }
    if (!this.refed) this.timer.unref?.();
  }

  private readonly rearm = (): void => {
    this.arm();
  };

  ref(): this {
    this.refed = true;
    this.timer?.ref?.();
    return this;
  }

  unref(): this {
    this.refed = false;
    this.timer?.unref?.();
    return this;
  }

  hasRef(): boolean {
    return this.refed;
  }

  clear(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

const immediate: (fn: () => void) => void =
  typeof globalThis.setImmediate === 'function'
    ? (fn) => {
        globalThis.setImmediate(fn);
      }
    : (fn) => {
        setTimeout(fn, 0);
      };

/** Runs `fn` on a later event-loop turn through `clock.setImmediate` when it has one. */
export function deferToEventLoop(clock: Clock, fn: () => void): void {
  if (typeof clock.setImmediate === 'function') clock.setImmediate(fn);
  else immediate(fn);
}

/**
 * The real clock: `Date.now()` and Node timers. Delays above 2^31−1 ms (~24.8 days) — which
 * Node would fire after ~1 ms with a TimeoutOverflowWarning — are re-armed in chunks until due,
 * so every policy accepts any finite duration (issue 12.2: fixed here, in one place).
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  hiResNow: () => performance.now(),
  coarseDeadlines: true,
  setTimeout(fn, ms) {
    if (ms > MAX_TIMER_MS) return new LongTimer(fn, ms);
    return setTimeout(fn, ms);
  },
  clearTimeout(handle) {
    if (handle instanceof LongTimer) handle.clear();
    else clearTimeout(handle as ReturnType<typeof setTimeout>);
  },
  setImmediate: immediate,
};

interface ManualTimer {
  readonly id: number;
  readonly due: number;
  readonly fn: () => void;
}

/**
 * A clock that only moves when told to. `advance(ms)` fires due timers in order of due time
 * (then creation order), each seeing `now()` equal to its due time.
 */
export class ManualClock implements Clock {
  private current: number;
  private nextId = 1;
  private timers: ManualTimer[] = [];

  constructor(startMs = 0) {
    this.current = startMs;
  }

  now(): number {
    return this.current;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const timer: ManualTimer = { id: this.nextId++, due: this.current + Math.max(0, ms), fn };
    this.timers.push(timer);
    return timer.id;
  }

  clearTimeout(handle: unknown): void {
    const index = this.timers.findIndex((t) => t.id === handle);
    if (index >= 0) this.timers.splice(index, 1);
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way. */
  advance(ms: number): void {
    if (!(ms >= 0))
      throw new RangeError(`ManualClock.advance: expected a non-negative number of ms, got ${String(ms)}`);
    const target = this.current + ms;
    for (;;) {
      let next: ManualTimer | undefined;
      for (const t of this.timers) {
        if (t.due <= target && (next === undefined || t.due < next.due || (t.due === next.due && t.id < next.id)))
          next = t;
      }
      if (next === undefined) break;
      this.timers.splice(this.timers.indexOf(next), 1);
      this.current = next.due;
      next.fn();
    }
    this.current = target;
  }

  /**
   * Runs `fn` as a microtask: no time passes on a manual clock and no real event-loop turn is
   * needed, so tests that only `await` stay deterministic (zero-delay retries yield through this).
   */
  setImmediate(fn: () => void): void {
    queueMicrotask(fn);
  }

  /** Number of timers still scheduled (handy for leak assertions in tests). */
  pendingTimers(): number {
    return this.timers.length;
  }
}
