/**
 * The caller's side of a race: one promise, settled once by whichever source comes first — the
 * inner call, a deadline, the caller's abort, a winning hedge. Every racing policy extends it:
 * the caller-signal race of `execute()` (execution.ts), the timeout's `TimedCall`, the hedge's
 * `HedgedCall`. A subclass makes the promise with {@link SettleOnce.open}, settles through
 * {@link SettleOnce.fulfil} / {@link SettleOnce.fail}, and drops what the race held (timers,
 * listeners, queue entries) in {@link SettleOnce.release}, which runs once, just before the promise
 * settles. Later outcomes are ignored: a call that loses the race settles nothing.
 */
export abstract class SettleOnce<T> {
  /** True once the promise has settled (or is about to: `release()` is running). */
  settled = false;
  private resolveWith!: (value: T) => void;
  private rejectWith!: (error: unknown) => void;

  /** The caller's promise. Call once, before anything can settle it. */
  protected open(): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.resolveWith = resolve;
      this.rejectWith = reject;
    });
  }

  /** Resolves with `value` unless the race is over; returns whether this call settled it. */
  protected fulfil(value: T): boolean {
    if (this.settled) return false;
    this.settled = true;
    this.release();
    this.resolveWith(value);
    return true;
  }

  /** Rejects with `error` unless the race is over; returns whether this call settled it. */
  protected fail(error: unknown): boolean {
    if (this.settled) return false;
    this.settled = true;
    this.release();
    this.rejectWith(error);
    return true;
  }

  /** Drops what the race held. Runs once, before the promise settles; must not throw. */
  protected abstract release(): void;
}
