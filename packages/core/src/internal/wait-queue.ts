import { deferToEventLoop, systemClock } from '../clock.js';
import { listenAbort, unlistenAbort, type Ctx } from '../execution.js';
import type { PolicyFn } from '../policy.js';
import { IntrusiveList, type Linked } from './linked-list.js';

/** A queued call, in a doubly linked list so an aborted waiter leaves in O(1). */
class Waiter implements Linked<Waiter> {
  prev: Waiter | undefined;
  next: Waiter | undefined;
  signal: AbortSignal | undefined;
  constructor(
    private readonly owner: WaitQueue,
    readonly fn: PolicyFn<unknown>,
    readonly ctx: Ctx,
    readonly resolve: (v: unknown) => void,
    readonly reject: (e: unknown) => void,
  ) {}

  readonly onAbort = (): void => {
    this.owner.remove(this);
    this.reject(this.ctx.abortReason);
  };
}

/**
 * Calls waiting for a concurrency slot, in arrival order — the queue of `bulkhead()` and
 * `adaptiveConcurrency()`. The owner says whether a slot is free and how to start a call; it
 * calls {@link WaitQueue.drain} whenever a slot may have freed up.
 *
 * A queued caller that aborts leaves at once, rejected with its signal's reason. A waiter that can
 * be aborted (caller signal, a hedge attempt) gets its slot on the next event-loop turn: the
 * settlement that freed the slot often also aborts it (the hedge's winner settles while the loser
 * is still queued), and that abort travels through promise reactions. Waiting one turn lets it
 * arrive, so an aborted queued call never starts (issue 12.7). Non-abortable waiters start at once.
 */
export class WaitQueue {
  /** Calls waiting now (a newcomer must queue behind them, also while a slot is being handed over). */
  size = 0;
  private readonly waiters = new IntrusiveList<Waiter>();
  private handOverPending = false;
  private handOverNow = false;

  constructor(
    private readonly hasFreeSlot: () => boolean,
    private readonly start: (fn: PolicyFn<unknown>, ctx: Ctx) => Promise<unknown>,
  ) {}

  /** Queues a call; it starts when {@link drain} finds a free slot for it. */
  enqueue<T>(fn: PolicyFn<T>, ctx: Ctx): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const w = new Waiter(this, fn as PolicyFn<unknown>, ctx, resolve as (v: unknown) => void, reject);
      this.waiters.push(w);
      this.size++;
      if (ctx.abortable) {
        w.signal = ctx.signal;
        listenAbort(w.signal, w.onAbort);
      }
    });
  }

  /** Unlinks a waiter (aborted or dequeued). */
  remove(w: Waiter): void {
    if (w.signal !== undefined) {
      unlistenAbort(w.signal, w.onAbort);
      w.signal = undefined;
    }
    this.waiters.remove(w);
    this.size--;
  }

  /** Hands free slots to waiters in arrival order. */
  drain(): void {
    if (this.handOverPending) return;
    for (let w = this.waiters.head; w !== undefined && this.hasFreeSlot(); w = this.waiters.head) {
      if (w.signal !== undefined && !this.handOverNow) {
        this.handOverPending = true;
        deferToEventLoop(systemClock, this.handOver);
        return;
      }
      this.remove(w);
      // Aborted without its abort delivered yet (no listener when it was queued): never started.
      if (w.ctx.aborted) {
        w.reject(w.ctx.abortReason);
        continue;
      }
      this.start(w.fn, w.ctx).then(w.resolve, w.reject);
    }
  }

  private readonly handOver = (): void => {
    this.handOverPending = false;
    this.handOverNow = true;
    try {
      this.drain();
    } finally {
      this.handOverNow = false;
    }
  };
}
