import type { ParticipantCallbacks, ParticipantView } from '@breakwater/core/internal';
import type { StoreContext } from './context.js';
import { mono, type FleetView } from './fleet-view.js';
import type { BreakerKeys } from './keys.js';
import { maxGenAfter } from './bounds.js';
import { parseScriptReply, type FleetRecord, type ScriptReply } from './records.js';
import type { ProbeBasis } from './transition-kind.js';

/** setTimeout's ceiling (a longer delay fires at once). */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** After Redis answered with a record nobody accepts: do not ask again sooner than this. */
const INVALID_BACKOFF_MS = 1000;

/** A breaker waiting for the lease: its state is checked, then it is told it may probe. */
export type LeaseWaiter = Pick<ParticipantView, 'snapshot'> & Pick<ParticipantCallbacks, 'probeGranted'>;

/** What the lease needs from its breaker group. */
export interface LeaseOwner {
  readonly name: string;
  readonly keys: BreakerKeys;
  readonly leaseMs: number;
  readonly halfOpenAfterMs: number;
  readonly view: FleetView;
  readonly maxOpenMs: number;
  probeGranted(p: LeaseWaiter, basis?: ProbeBasis): void;
  applyFleet(rec: FleetRecord, votes: number): void;
  /** The reply's record if acceptable (malformed / refused ones are counted and dropped). */
  recordOf(r: ScriptReply): FleetRecord | undefined;
}

/**
 * The fleet-wide probe lease of one breaker (`SET <probe> <instance> NX PX <leaseMs>` inside a
 * script that first checks the fleet is open and its open period is over). Only the holder's
 * breaker goes half-open; a holder that dies frees the lease by its TTL.
 *
 * The replica that opened the fleet (it saw the failures, so it has traffic) races as soon as the
 * open period ends, so its first call after `halfOpenAfterMs` finds the lease held and probes at
 * once. Other replicas race only when one of their breakers asks to probe, and retry when the
 * current lease expires (a dead holder frees it by its TTL).
 */
export class ProbeLease {
  /** Held until (mono ms); 0 = not held. */
  private until = 0;
  private acquiring = false;
  private nextAttemptAt = 0;
  private waiting: LeaseWaiter | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly owner: LeaseOwner,
    private readonly ctx: StoreContext,
  ) {}

  get held(): boolean {
    return this.until > mono();
  }

  /**
   * False while an acquisition is in flight or the last reply said to wait (lease held by another
   * replica, or the fleet's open period not over in Redis time) and that wait has not passed. The
   * lease keeps retrying by itself meanwhile for the breaker that asked (`want`).
   */
  mayAcquire(): boolean {
    return !this.acquiring && mono() >= this.nextAttemptAt;
  }

  /** A breaker asked to probe and was told to wait. */
  want(p: LeaseWaiter, view: FleetView): void {
    this.waiting = p;
    const now = mono();
    if (now >= view.openUntil - this.earlyMs() && now >= this.nextAttemptAt) this.acquire();
  }

  /** The fleet view changed. */
  onView(view: FleetView): void {
    if (view.state !== 'open') {
      this.until = 0; // any write that left 'open' deleted the lease
      this.waiting = undefined;
      this.nextAttemptAt = 0;
      this.cancel();
      return;
    }
    if (!this.held && view.origin === this.ctx.options.instanceId)
      this.schedule(view.openUntil - mono() - this.earlyMs());
  }

  /**
   * This replica's breaker starts probing. A lease taken ahead of demand may be well into its TTL,
   * so renew it: the lease must outlive the probe (probeTimeoutMs) or a second replica could probe.
   */
  renew(): void {
    if (this.held && this.until - mono() < this.owner.leaseMs * 0.9) this.acquire();
  }

  /** The lease was released by a transition script. */
  clear(): void {
    this.until = 0;
  }

  /** Gives the lease back if held (so the next prober need not wait for its TTL). */
  release(): Promise<void> {
    if (this.until === 0) return Promise.resolve();
    this.until = 0;
    const { probe } = this.owner.keys;
    return this.ctx
      .run(() => this.ctx.scripts.bwRelease(probe, this.ctx.options.instanceId))
      .then(
        () => undefined,
        () => undefined,
      );
  }

  /** How long before the open period ends the lease may be taken. */
  private earlyMs(): number {
    return Math.floor(Math.min(25, this.owner.halfOpenAfterMs / 4));
  }

  private schedule(ms: number): void {
    this.cancel();
    const t = setTimeout(
      () => {
        this.timer = undefined;
        if (this.owner.view.state === 'open' && !this.held) this.acquire();
      },
      Math.min(MAX_TIMER_MS, Math.max(0, ms)),
    );
    t.unref?.();
    this.timer = t;
  }

  private cancel(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private acquire(): void {
    if (this.acquiring || !this.ctx.healthy) return;
    this.acquiring = true;
    const started = mono();
    const ms = this.owner.leaseMs;
    const { state, probe } = this.owner.keys;
    this.ctx
      .run(() =>
        this.ctx.scripts.bwAcquire(
          state,
          probe,
          this.ctx.options.instanceId,
          ms,
          this.earlyMs(),
          this.owner.maxOpenMs,
          maxGenAfter(this.owner.view.gen),
          this.ctx.options.auth?.pads ?? '',
          this.ctx.options.prefix,
          this.owner.name,
        ),
      )
      .then(
        (raw) => this.onReply(parseScriptReply(raw), started, ms),
        () => undefined,
      ) // run() reported it
      .catch((e: unknown) => this.ctx.report(e))
      .finally(() => {
        this.acquiring = false;
      });
  }

  private onReply(r: ScriptReply, started: number, ms: number): void {
    const rec = this.owner.recordOf(r);
    const extra = Math.max(0, Number(r.extra) || 0);
    switch (r.status) {
      case 'granted': {
        this.until = started + ms;
        const w = this.waiting;
        this.waiting = undefined;
        if (w !== undefined) this.owner.probeGranted(w);
        return;
      }
      case 'held':
        this.nextAttemptAt = mono() + extra;
        if (this.waiting !== undefined) this.schedule(extra + 2);
        return;
      case 'invalid': {
        // Redis holds a record no replica accepts: probe locally; the result overwrites it.
        this.nextAttemptAt = mono() + INVALID_BACKOFF_MS;
        const w = this.waiting;
        this.waiting = undefined;
        if (w !== undefined) this.owner.probeGranted(w, 'unhealthy');
        return;
      }
      case 'wait':
        this.nextAttemptAt = mono() + extra;
        if (rec !== undefined) this.owner.applyFleet(rec, this.owner.view.votes);
        this.schedule(extra + 1);
        return;
      default:
        // The fleet is not open in Redis: newer news, or Redis lost the open state.
        if (rec !== undefined && rec.gen > this.owner.view.gen) this.owner.applyFleet(rec, this.owner.view.votes);
        else this.ctx.requestResync();
    }
  }

  dispose(): void {
    this.cancel();
    this.waiting = undefined;
    this.until = 0;
  }
}
