import type { Clock } from '../clock.js';
import { SaturatedError } from '../errors.js';
import { listenAbort, unlistenAbort, type Ctx } from '../execution.js';
import { IntrusiveList, type Linked } from '../internal/linked-list.js';
import type { PolicyFn } from '../policy.js';
import type { DrainGate } from './drain-gate.js';

/** Resolved `loadBalancer({ queue })` settings. */
export interface QueueSettings {
  /** Calls allowed to wait at once (balancer-wide); 0 = never wait. */
  maxPending: number;
  /** Longest wait before SaturatedError('wait timeout'); undefined = no limit. */
  timeoutMs: number | undefined;
}

/**
 * A call waiting for an endpoint slot. It carries what the balancer needs to start it later: the
 * function, its context and — when a breaker already refused it on some endpoints — its refusal
 * mark and count (see EndpointCalls.run). Linked in an intrusive list: an aborted or timed-out
 * waiter leaves in O(1).
 */
export class Waiter implements Linked<Waiter> {
  prev: Waiter | undefined = undefined;
  next: Waiter | undefined = undefined;
  /** True while linked in the queue. */
  queued = true;
  signal: AbortSignal | undefined = undefined;
  timer: unknown = undefined;

  constructor(
    private readonly queue: WaitQueue,
    readonly fn: PolicyFn<unknown>,
    readonly ctx: Ctx,
    readonly mark: number,
    readonly repicks: number,
    /** Endpoint ids the call must skip (execute({ avoid })). */
    readonly avoid: ReadonlySet<string> | undefined,
    readonly resolve: (v: unknown) => void,
    readonly reject: (e: unknown) => void,
  ) {}

  readonly onAbort = (): void => {
    if (!this.queued) return;
    this.queue.leave(this);
    this.reject(this.ctx.abortReason);
  };

  readonly onTimeout = (): void => {
    this.timer = undefined;
    if (!this.queued) return;
    this.queue.leave(this);
    this.reject(this.queue.saturated('wait timeout'));
  };
}

/**
 * The balancer's FIFO of calls waiting for a free endpoint slot (every candidate at
 * `maxConnections`). Bounded by `maxPending`; each waiter may time out (`timeoutMs`) and leaves at
 * once when its caller's signal (or an enclosing timeout/hedge) aborts it. Waiters count as work
 * in flight for `drain()` (the gate), so draining waits for queued calls too.
 */
export class WaitQueue {
  private readonly list = new IntrusiveList<Waiter>();
  /** Waiters linked now. */
  length = 0;
  /** serve() is running / was asked to run again meanwhile (re-entrancy from started calls). */
  private serving = false;
  private serveAgain = false;

  constructor(
    private readonly settings: QueueSettings,
    private readonly clock: Clock,
    private readonly gate: DrainGate,
    private readonly balancerName: string,
  ) {}

  get head(): Waiter | undefined {
    return this.list.head;
  }

  get isEmpty(): boolean {
    return this.list.head === undefined;
  }

  /**
   * Queues a call; the promise settles when the balancer starts it (with the call's outcome), or
   * with SaturatedError (queue full, wait timeout), the abort reason, or a later pick failure.
   */
  enqueue<T>(
    fn: PolicyFn<T>,
    ctx: Ctx,
    mark: number,
    repicks: number,
    avoid: ReadonlySet<string> | undefined,
  ): Promise<T> {
    if (ctx.aborted) return Promise.reject(ctx.abortReason);
    if (this.length >= this.settings.maxPending) return Promise.reject(this.saturated('queue full'));
    return new Promise<T>((resolve, reject) => {
      const w = new Waiter(
        this,
        fn as PolicyFn<unknown>,
        ctx,
        mark,
        repicks,
        avoid,
        resolve as (v: unknown) => void,
        reject,
      );
      this.list.push(w);
      this.length++;
      this.gate.start();
      if (ctx.abortable) {
        w.signal = ctx.signal;
        listenAbort(w.signal, w.onAbort);
      }
      const t = this.settings.timeoutMs;
      if (t !== undefined) {
        w.timer = this.clock.setTimeout(w.onTimeout, t);
        (w.timer as { unref?: () => void } | null)?.unref?.();
      }
    });
  }

  /**
   * Unlinks `w` (started, aborted, timed out, rejected): drops its abort listener and timer.
   * `keepGate`: the caller ends the waiter's drain-gate count itself, after starting the call.
   */
  leave(w: Waiter, keepGate = false): void {
    if (!w.queued) return;
    w.queued = false;
    if (w.signal !== undefined) {
      unlistenAbort(w.signal, w.onAbort);
      w.signal = undefined;
    }
    if (w.timer !== undefined) {
      this.clock.clearTimeout(w.timer);
      w.timer = undefined;
    }
    this.list.remove(w);
    this.length--;
    if (!keepGate) this.gate.end();
  }

  /**
   * Starts queued calls, oldest first, while `pick` finds free slots (`start` runs the call on the
   * endpoint; it must take the slot synchronously). A waiter that finds none stops the walk (no
   * later one would find one either), except a waiter that skips endpoints the others may take — one
   * re-picking after breaker refusals (mark > 0) or with `avoid` ids: the walk goes on past it. A
   * waiter whose pick throws (every breaker open, no endpoints left) is rejected with that error. Re-entrant calls (a
   * started call's code finishing another call synchronously) run once more after the current walk.
   */
  serve<S>(pick: (w: Waiter) => S | undefined, start: (s: S, w: Waiter) => void): void {
    if (this.serving) {
      this.serveAgain = true;
      return;
    }
    this.serving = true;
    try {
      do {
        this.serveAgain = false;
        this.serveOnce(pick, start);
      } while (this.serveAgain);
    } finally {
      this.serving = false;
    }
  }

  private serveOnce<S>(pick: (w: Waiter) => S | undefined, start: (s: S, w: Waiter) => void): void {
    let skipped: Waiter | undefined;
    let w = this.list.head;
    while (w !== undefined) {
      let s: S | undefined;
      try {
        s = pick(w);
      } catch (e) {
        const next = w.next;
        this.leave(w);
        w.reject(e);
        w = next;
        continue;
      }
      if (s === undefined) {
        if (w.mark <= 0 && w.avoid === undefined) return;
        skipped = w;
        w = w.next;
        continue;
      }
      this.leave(w, true);
      start(s, w);
      this.gate.end(); // the waiter's count; the started call holds its own
      // The started call ran user code synchronously, which may have changed the queue.
      w = skipped !== undefined && skipped.queued ? skipped.next : this.list.head;
    }
  }

  /** Rejects every waiter with `error` (close()). */
  rejectAll(error: unknown): void {
    for (let w = this.list.head; w !== undefined; w = this.list.head) {
      this.leave(w);
      w.reject(error);
    }
  }

  /** The error for a call that cannot wait (queue full, or `detail` says why) or waited too long. */
  saturated(reason: 'queue full' | 'wait timeout', detail?: string): SaturatedError {
    const s = this.settings;
    const at = `balancer "${this.balancerName}": every candidate endpoint is at maxConnections`;
    const message =
      detail !== undefined
        ? `${at}; ${detail}`
        : reason === 'queue full'
          ? `${at} and the wait queue is full (queue.maxPending ${s.maxPending})`
          : `${at} and no slot freed within queue.timeoutMs ${String(s.timeoutMs)}ms`;
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0; // load shedding on a hot path; the stack would only say "in the balancer"
    try {
      return new SaturatedError(reason, message);
    } finally {
      Error.stackTraceLimit = limit;
    }
  }
}
