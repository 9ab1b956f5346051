import { listenAbort, unlistenAbort, type Ctx } from '../execution.js';
import { isHedgeLoss } from '../kernel/abort-reasons.js';
import type { PolicyFn } from '../policy.js';
import { isTimeout } from '../kernel/abort-reasons.js';
import type { BreakerHost } from './host.js';
import { VERDICT_FAILURE, VERDICT_NEUTRAL, type Verdict } from './outcome.js';
import type { ProbeRound } from './probes.js';

/** What a probe call needs of its breaker beyond {@link BreakerHost}. Internal. */
export interface ProbeHost extends BreakerHost {
  /** A call starts (in-flight count). */
  startCall(): void;
  /** A call ended: counted and classified (see the breaker's `settle`); returns its verdict. */
  finishCall(value: unknown, threw: boolean, start: number, gen: number, ctx: Ctx | undefined): Verdict;
  /** A probe's verdict for its slot (late ones are ignored). */
  probeSettled(round: ProbeRound, slot: number, result: Verdict, failureReason?: string): void;
}

/**
 * Takes a probe slot (half-open only); -1 when none is free. Expired leases fail the round first.
 * Arms the breaker's probe timer with the round's first slot.
 */
export function acquireProbe(host: BreakerHost, now: number): number {
  const ctl = host.controller;
  if (ctl.probesExpired(now)) {
    host.commit(ctl.transition('open', 'probe timed out', 'fleet'));
    return -1;
  }
  const round = ctl.round!;
  const slot = round.acquire(now);
  if (slot >= 0 && round.timer === undefined) armProbeTimer(host, round, now);
  return slot;
}

/** Clears the timer of a round that ended. */
export function clearProbeTimer(host: BreakerHost, round: ProbeRound): void {
  if (round.timer === undefined) return;
  host.controller.clock.clearTimeout(round.timer);
  round.timer = undefined;
}

/** At most one timer per breaker, only while probes are out: fires when the oldest lease expires. */
function armProbeTimer(host: BreakerHost, round: ProbeRound, now: number): void {
  const ctl = host.controller;
  const due = ctl.probeExpiry();
  if (due === Number.POSITIVE_INFINITY) return;
  const handle = ctl.clock.setTimeout(() => onProbeTimer(host, round), Math.max(0, due - now));
  // A pending probe check must not keep the process alive.
  (handle as { unref?: () => void } | null)?.unref?.();
  round.timer = handle;
}

function onProbeTimer(host: BreakerHost, round: ProbeRound): void {
  round.timer = undefined;
  const ctl = host.controller;
  if (ctl.round !== round) return;
  const now = ctl.clock.now();
  if (ctl.probesExpired(now)) host.commit(ctl.transition('open', 'probe timed out', 'fleet'));
  else if (round.active > 0) armProbeTimer(host, round, now);
}

/**
 * A half-open probe. Its slot is freed by its outcome, by the lease expiring, or when its context
 * is aborted — the breaker never waits on an abandoned probe:
 * - aborted by `hedge()` because another attempt of the call already won: the slot is released
 *   without a verdict (the breaker stays half-open and the next call probes). Re-opening would
 *   punish a dependency for being slower than its twin, and with busy hedging a recovering
 *   endpoint would never close.
 * - aborted by the caller or an enclosing policy (a timeout): the probe counts as failed and the
 *   breaker re-opens ('probe abandoned' / 'probe timed out') — without an answer the breaker
 *   assumes the worst. The call itself is counted as cancelled (or as a timeout failure).
 */
export async function runProbe<T>(
  host: ProbeHost,
  fn: PolicyFn<T>,
  ctx: Ctx,
  round: ProbeRound,
  slot: number,
): Promise<T> {
  const start = host.controller.clock.now();
  const gen = host.controller.generation;
  const signal = ctx.signal;
  // Once the abort resolved the slot, the call's own outcome must not touch it: the slot may
  // already belong to the next probe of the same round.
  let resolved = false;
  const onAbort = (): void => {
    resolved = true;
    const reason = ctx.abortReason;
    if (isHedgeLoss(reason)) host.probeSettled(round, slot, VERDICT_NEUTRAL);
    else host.probeSettled(round, slot, VERDICT_FAILURE, isTimeout(reason) ? 'probe timed out' : 'probe abandoned');
  };
  if (signal.aborted) onAbort();
  else listenAbort(signal, onAbort);
  host.startCall();
  let result: T;
  try {
    result = await fn(ctx);
  } catch (error) {
    unlistenAbort(signal, onAbort);
    const outcome = host.finishCall(error, true, start, gen, ctx);
    if (!resolved) host.probeSettled(round, slot, outcome);
    throw error;
  }
  unlistenAbort(signal, onAbort);
  const outcome = host.finishCall(result, false, start, gen, undefined);
  if (!resolved) host.probeSettled(round, slot, outcome);
  return result;
}
