import { SettleOnce } from '../kernel/settle-once.js';
import { systemClock, type Clock } from '../clock.js';
import { Emitter, withContext } from '../events.js';
import { executeWith, invoke, listenAbort, unlistenAbort, type Ctx, type InternalPolicy } from '../execution.js';
import type { ExecuteOptions, Policy, PolicyFn } from '../policy.js';
import { checkOptions, checkInt, checkNumber, checkClock, checkKnownKeys } from '../kernel/options.js';
import { HedgeLoss } from '../kernel/abort-reasons.js';

/** Options of {@link hedge}. */
export interface HedgeOptions {
  /** Wait this long for a result before starting the next attempt. */
  delayMs: number;
  /** Extra attempts started at most (the first one not counted); default 1. */
  maxHedges?: number;
  clock?: Clock;
}

/** Payload of the hedge policy's `hedge` event: an extra attempt starts. */
export interface HedgeEvent {
  /** `ctx.attempt` of the attempt starting. */
  attempt: number;
  /** 1-based number of this extra attempt (1 = first hedge). */
  hedge: number;
  /** The policy's delay that elapsed without a result. */
  delayMs: number;
  /** The call's `ExecuteOptions.context` (non-enumerable): correlates the event with its call. */
  readonly context: Record<string, unknown>;
}

/** Payload of the hedge policy's `winner` event: an attempt succeeded and the others are aborted. */
export interface HedgeWinnerEvent {
  /** `ctx.attempt` of the winning attempt. */
  attempt: number;
  /** 0 when the first attempt won, n when the n-th hedge did. */
  hedge: number;
  /** Attempts started in total. */
  attempts: number;
  /** The call's `ExecuteOptions.context` (non-enumerable). */
  readonly context: Record<string, unknown>;
}

/** Events of the hedge policy. */
export type HedgeEvents = { hedge: HedgeEvent; winner: HedgeWinnerEvent };

/** The hedge policy: a {@link Policy} with `hedge` and `winner` events. */
export interface HedgePolicy extends Policy {
  on(event: 'hedge', fn: (e: HedgeEvent) => void): () => void;
  on(event: 'winner', fn: (e: HedgeWinnerEvent) => void): () => void;
}

// Losing attempts are aborted with a HedgeLoss (kernel/abort-reasons.ts: a brand, was a module-private WeakSet).

/** One hedged call: its attempts (each a fork of the caller's context), the timer, the outcome. */
class HedgedCall<T> extends SettleOnce<T> {
  readonly promise: Promise<T> = this.open();
  private readonly forks: Ctx[] = [];
  private inFlight = 0;
  private timer: unknown = undefined;
  private parentSignal: AbortSignal | undefined = undefined;
  /** The attempt that won (kept running), once one did. */
  private winner: Ctx | undefined = undefined;
  /** Why the other attempts are aborted, when it is not losing to the winner (the caller's abort). */
  private abortReason: unknown = undefined;

  constructor(
    private readonly owner: Hedge,
    private readonly fn: PolicyFn<T>,
    private readonly parent: Ctx,
  ) {
    super();
  }

  begin(): void {
    if (this.parent.abortable) {
      this.parentSignal = this.parent.signal;
      listenAbort(this.parentSignal, this.onParentAbort);
    }
    this.startAttempt();
  }

  private startAttempt(): void {
    const index = this.forks.length;
    const fork = this.parent.fork(this.parent.attempt + index);
    this.forks.push(fork);
    this.inFlight++;
    const events = this.owner.events;
    if (index > 0 && events?.has('hedge') === true) {
      events.emit(
        'hedge',
        withContext({ attempt: fork.attempt, hedge: index, delayMs: this.owner.delayMs }, this.parent.context),
      );
    }
    if (index < this.owner.maxHedges) this.timer = this.owner.clock.setTimeout(this.onTimer, this.owner.delayMs);
    invoke(this.fn, fork).then(
      (v) => this.onValue(v, fork),
      (e: unknown) => this.onError(e, fork),
    );
  }

  private readonly onTimer = (): void => {
    this.timer = undefined;
    if (!this.settled) this.startAttempt();
  };

  private onValue(v: T, winner: Ctx): void {
    if (this.settled) return;
    this.winner = winner;
    this.fulfil(v);
    const events = this.owner.events;
    if (events?.has('winner') === true) {
      const hedge = this.forks.indexOf(winner);
      events.emit(
        'winner',
        withContext({ attempt: winner.attempt, hedge, attempts: this.forks.length }, this.parent.context),
      );
    }
  }

  private onError(e: unknown, fork: Ctx): void {
    fork.dispose();
    if (this.settled) return;
    this.inFlight--;
    // Hedging is about latency: a failure starts no new attempt. When every attempt started so far
    // has failed, the call fails with the error of the last one to fail (the freshest information).
    if (this.inFlight > 0) return;
    this.fail(e);
  }

  private readonly onParentAbort = (): void => {
    if (this.settled) return;
    const reason = this.parent.abortReason;
    this.abortReason = reason;
    this.fail(reason);
  };

  /** Clears the timer, aborts every attempt but the winner, drops links and listeners. */
  protected release(): void {
    if (this.timer !== undefined) {
      this.owner.clock.clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.parentSignal !== undefined) unlistenAbort(this.parentSignal, this.onParentAbort);
    const winner = this.winner;
    const reason = this.abortReason;
    let lost: unknown;
    for (const f of this.forks) {
      if (f !== winner && !f.aborted) f.abort(reason ?? (lost ??= new HedgeLoss()));
      f.dispose();
    }
  }
}

class Hedge implements InternalPolicy, HedgePolicy {
  events: Emitter<HedgeEvents> | undefined;

  constructor(
    readonly delayMs: number,
    readonly maxHedges: number,
    readonly clock: Clock,
  ) {}

  on<K extends keyof HedgeEvents>(event: K, fn: (e: HedgeEvents[K]) => void): () => void {
    return (this.events ??= new Emitter<HedgeEvents>()).on(event, fn);
  }

  execute<T>(fn: PolicyFn<T>, opts?: ExecuteOptions): Promise<T> {
    return executeWith(this, fn, opts);
  }

  run<T>(fn: PolicyFn<T>, ctx: Ctx): Promise<T> {
    if (ctx.aborted) return Promise.reject(ctx.abortReason);
    const call = new HedgedCall<T>(this, fn, ctx);
    call.begin();
    return call.promise;
  }
}

/**
 * Hedged requests (tail-latency cutting): when an attempt has produced no result after `delayMs`,
 * start another one in parallel, up to `maxHedges` extra attempts. The first success wins and the
 * others are aborted (their `ctx.signal` fires). Each attempt gets its own `ctx.attempt`
 * (first = the caller's, then +1, +2, ...). A failed attempt does not start a new one; when every
 * started attempt has failed the call rejects with the error of the last one to fail.
 * Use only for idempotent calls. Events: `hedge` when an extra attempt starts, `winner` when an
 * attempt succeeds.
 */
export function hedge(o: HedgeOptions): HedgePolicy {
  checkOptions('hedge', o, true);
  checkKnownKeys('hedge', o, ['delayMs', 'maxHedges', 'clock'], {
    delay: 'delayMs',
    hedgeDelayMs: 'delayMs',
    maxAttempts: 'maxHedges',
  });
  const delayMs = checkNumber('hedge.delayMs', o.delayMs, { min: 0 });
  const maxHedges = checkInt('hedge.maxHedges', o.maxHedges ?? 1, 0);
  checkClock('hedge.clock', o.clock);
  return new Hedge(delayMs, maxHedges, o.clock ?? systemClock);
}
