import { listenAbort, unlistenAbort } from '../kernel/abort-fanout.js';

/**
 * The abort source handed to a transport (fetch, an axios adapter) for one attempt whose own
 * signal is not the caller's (a timeout or hedge gave the attempt a fork of the caller's context).
 * The caller's signal may be any object with the AbortSignal interface (a polyfill, another realm).
 *
 * Why: a fork is unlinked from the caller's signal when the attempt settles, so passing the fork's
 * signal to fetch meant that aborting the caller's signal once the headers had arrived no longer
 * reached the body: `res.text()` hung until the server gave up. Plain fetch rejects the body read
 * instead. This controller is aborted by the attempt's signal (timeout, losing hedge) and by the
 * caller's signal, and stays linked until the response body is consumed, cancelled or errored
 * (fetch's `linkBody`, axios' stream `finished`) — not merely until the attempt settles.
 *
 * Both links go through core's fan-out registry: a long-lived caller signal shared by any number
 * of calls carries a single `abort` listener, and none once every body is done. (`AbortSignal.any`
 * would do the linking too, but leaks on Node 20: nodejs/node#55328.)
 */
export class AttemptAbort {
  private readonly controller = new AbortController();
  private linked = false;

  constructor(
    private readonly caller: AbortSignal,
    private readonly attempt: AbortSignal,
  ) {
    if (caller.aborted) this.controller.abort(caller.reason);
    else if (attempt.aborted) this.controller.abort(attempt.reason);
    else {
      this.linked = true;
      listenAbort(caller, this.onCallerAbort);
      listenAbort(attempt, this.onAttemptAbort);
    }
  }

  /** The signal to give the underlying fetch. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Drops both links; the request or its body can no longer be aborted through us. Idempotent. */
  release(): void {
    if (!this.linked) return;
    this.linked = false;
    unlistenAbort(this.caller, this.onCallerAbort);
    unlistenAbort(this.attempt, this.onAttemptAbort);
  }

  private readonly onCallerAbort = (): void => this.abort(this.caller.reason);
  private readonly onAttemptAbort = (): void => this.abort(this.attempt.reason);

  private abort(reason: unknown): void {
    // Aborted once is aborted for good: nothing left to listen for.
    this.release();
    this.controller.abort(reason);
  }
}
