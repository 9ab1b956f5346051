import { deferToEventLoop, systemClock } from '../clock.js';
import { BulkheadRejectedError } from '../errors.js';
import { Emitter, withContext } from '../events.js';
import { executeWith, invoke, listenAbort, unlistenAbort, type Ctx, type InternalPolicy } from '../execution.js';
import { IntrusiveList, type Linked } from '../internal/linked-list.js';
import type { ExecuteOptions, Policy, PolicyFn } from '../policy.js';
import { checkKnownKeys } from '../internal/known-keys.js';
import { checkInt, checkOptions } from '../policies/validate.js';

/** Options of {@link bulkhead}. */
export interface BulkheadOptions {
  /** Calls allowed to run at once. */
  maxConcurrent: number;
  /** Calls allowed to wait for a slot; default 0 (reject at once when all slots are taken). */
  maxQueue?: number;
}

/** Payload of the bulkhead's `rejected` event. */
export interface BulkheadRejectedEvent {
  maxConcurrent: number;
  maxQueue: number;
  /** The call's `ExecuteOptions.context` (non-enumerable): correlates the event with its call. */
  readonly context: Record<string, unknown>;
}

/** Events of the bulkhead. */
export type BulkheadEvents = { rejected: BulkheadRejectedEvent };

/** A bulkhead: a {@link Policy} with live counts and a `rejected` event. */
export interface BulkheadPolicy extends Policy {
  /** Calls running now. */
  readonly active: number;
  /** Calls waiting for a slot now. */
  readonly queued: number;
  /** Subscribes to `rejected` (no slot, queue full); returns the unsubscribe function. */
  on(event: 'rejected', fn: (e: BulkheadRejectedEvent) => void): () => void;
}

/** A queued call, in a doubly linked list so an aborted waiter leaves in O(1). */
class Waiter implements Linked<Waiter> {
  prev: Waiter | undefined;
  next: Waiter | undefined;
  signal: AbortSignal | undefined;
  constructor(
    private readonly owner: Bulkhead,
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

class Bulkhead implements InternalPolicy, BulkheadPolicy {
  active = 0;
  queued = 0;
  private readonly waiters = new IntrusiveList<Waiter>();
  /** A freed slot waits for the next event-loop turn before going to an abortable waiter. */
  private handOverPending = false;
  private handOverNow = false;
  private readonly release = (): void => {
    this.active--;
    this.drain();
  };

  private events: Emitter<BulkheadEvents> | undefined;

  constructor(private readonly maxConcurrent: number, private readonly maxQueue: number) {}

  on(event: 'rejected', fn: (e: BulkheadRejectedEvent) => void): () => void {
    return (this.events ??= new Emitter<BulkheadEvents>()).on(event, fn);
  }

  execute<T>(fn: PolicyFn<T>, opts?: ExecuteOptions): Promise<T> {
    return executeWith(this, fn, opts);
  }

  run<T>(fn: PolicyFn<T>, ctx: Ctx): Promise<T> {
    if (ctx.aborted) return Promise.reject(ctx.abortReason);
    // While a freed slot is being handed to a waiter, newcomers queue behind it (FIFO).
    if (this.active < this.maxConcurrent && this.queued === 0) return this.start(fn, ctx);
    if (this.queued >= this.maxQueue) {
      if (this.events?.has('rejected') === true) {
        this.events.emit('rejected', withContext({ maxConcurrent: this.maxConcurrent, maxQueue: this.maxQueue }, ctx.context));
      }
      return Promise.reject(new BulkheadRejectedError(this.maxConcurrent, this.maxQueue));
    }
    return new Promise<T>((resolve, reject) => {
      const w = new Waiter(this, fn as PolicyFn<unknown>, ctx, resolve as (v: unknown) => void, reject);
      this.waiters.push(w);
      this.queued++;
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
    this.queued--;
  }

  private start<T>(fn: PolicyFn<T>, ctx: Ctx): Promise<T> {
    this.active++;
    const p = invoke(fn, ctx);
    // The slot is released whatever the outcome; the caller sees the original promise.
    p.then(this.release, this.release);
    return p;
  }

  /**
   * Hands free slots to waiters in arrival order. A waiter that can be aborted (caller signal, a
   * hedge attempt) gets its slot on the next event-loop turn: the settlement that freed the slot
   * often also aborts it (the hedge's winner settles, the loser still queued), and that abort
   * travels through promise reactions. Waiting one turn lets it arrive, so an aborted queued call
   * never starts (issue 12.7). Non-abortable waiters start at once.
   */
  private drain(): void {
    if (this.handOverPending) return;
    for (let w = this.waiters.head; w !== undefined && this.active < this.maxConcurrent; w = this.waiters.head) {
      if (w.signal !== undefined && !this.handOverNow) {
        this.handOverPending = true;
        deferToEventLoop(systemClock, this.handOver);
        return;
      }
      this.remove(w);
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

/**
 * Limits concurrency: at most `maxConcurrent` calls run, up to `maxQueue` wait in arrival order,
 * the rest are rejected with {@link BulkheadRejectedError}. A queued caller that aborts leaves the
 * queue at once and is rejected with its signal's reason; its function never runs. A freed slot
 * goes to an abortable waiter on the next event-loop turn, so an abort caused by the same
 * settlement (a hedge's losing attempt) reaches it before it starts.
 */
export function bulkhead(o: BulkheadOptions): BulkheadPolicy {
  checkOptions('bulkhead', o, true);
  checkKnownKeys('bulkhead', o, ['maxConcurrent', 'maxQueue'], { concurrency: 'maxConcurrent', limit: 'maxConcurrent', queue: 'maxQueue', maxQueued: 'maxQueue' });
  const maxConcurrent = checkInt('bulkhead.maxConcurrent', o.maxConcurrent, 1);
  const maxQueue = checkInt('bulkhead.maxQueue', o.maxQueue ?? 0, 0);
  return new Bulkhead(maxConcurrent, maxQueue);
}
