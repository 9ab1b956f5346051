import { BulkheadRejectedError } from '../errors.js';
import { Emitter, withContext } from '../events.js';
import { executeWith, invoke, type Ctx, type InternalPolicy } from '../execution.js';
import { WaitQueue } from '../internal/wait-queue.js';
import type { ExecuteOptions, Policy, PolicyFn } from '../policy.js';
import { checkOptions, checkInt, checkKnownKeys } from '../kernel/options.js';

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

class Bulkhead implements InternalPolicy, BulkheadPolicy {
  active = 0;
  private readonly waiters = new WaitQueue(
    () => this.active < this.maxConcurrent,
    (fn, ctx) => this.start(fn, ctx),
  );
  private readonly release = (): void => {
    this.active--;
    this.waiters.drain();
  };

  private events: Emitter<BulkheadEvents> | undefined;

  constructor(
    private readonly maxConcurrent: number,
    private readonly maxQueue: number,
  ) {}

  get queued(): number {
    return this.waiters.size;
  }

  on(event: 'rejected', fn: (e: BulkheadRejectedEvent) => void): () => void {
    return (this.events ??= new Emitter<BulkheadEvents>()).on(event, fn);
  }

  execute<T>(fn: PolicyFn<T>, opts?: ExecuteOptions): Promise<T> {
    return executeWith(this, fn, opts);
  }

  run<T>(fn: PolicyFn<T>, ctx: Ctx): Promise<T> {
    if (ctx.aborted) return Promise.reject(ctx.abortReason);
    // While a freed slot is being handed to a waiter, newcomers queue behind it (FIFO).
    if (this.active < this.maxConcurrent && this.waiters.size === 0) return this.start(fn, ctx);
    if (this.waiters.size >= this.maxQueue) {
      if (this.events?.has('rejected') === true) {
        this.events.emit(
          'rejected',
          withContext({ maxConcurrent: this.maxConcurrent, maxQueue: this.maxQueue }, ctx.context),
        );
      }
      return Promise.reject(new BulkheadRejectedError(this.maxConcurrent, this.maxQueue));
    }
    return this.waiters.enqueue(fn, ctx);
  }

  private start<T>(fn: PolicyFn<T>, ctx: Ctx): Promise<T> {
    this.active++;
    const p = invoke(fn, ctx);
    // The slot is released whatever the outcome; the caller sees the original promise.
    p.then(this.release, this.release);
    return p;
  }
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
  checkKnownKeys('bulkhead', o, ['maxConcurrent', 'maxQueue'], {
    concurrency: 'maxConcurrent',
    limit: 'maxConcurrent',
    queue: 'maxQueue',
    maxQueued: 'maxQueue',
  });
  const maxConcurrent = checkInt('bulkhead.maxConcurrent', o.maxConcurrent, 1);
  const maxQueue = checkInt('bulkhead.maxQueue', o.maxQueue ?? 0, 0);
  return new Bulkhead(maxConcurrent, maxQueue);
}
