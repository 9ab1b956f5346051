import { describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.js';
import { BreakerController } from './controller.js';
import { OpenPeriod } from './open-period.js';
import { VERDICT_FAILURE, VERDICT_NEUTRAL, VERDICT_SUCCESS } from './outcome.js';
import { consecutiveFailures } from './trip/consecutive-failures.js';

function controller(
  clock: ManualClock,
  o: { maxProbes?: number; successesToClose?: number; openMs?: number; probeTimeoutMs?: number } = {},
) {
  return new BreakerController({
    clock,
    evaluator: consecutiveFailures(2).create(clock),
    openPeriod: OpenPeriod.of(o.openMs ?? 1_000),
    maxProbes: o.maxProbes ?? 1,
    successesToClose: o.successesToClose ?? 1,
    probeTimeoutMs: o.probeTimeoutMs ?? 5_000,
  });
}

describe('BreakerController', () => {
  it('returns each transition as a value and numbers it', () => {
    const clock = new ManualClock(100);
    const ctl = controller(clock);
    const t = ctl.transition('open', 'tripped', 'fleet');
    expect(t).toMatchObject({
      from: 'closed',
      to: 'open',
      reason: 'tripped',
      at: 100,
      remote: false,
      scope: 'fleet',
      generation: 1,
      publishedGeneration: 1,
    });
    expect(t).toMatchObject({ openUntil: 1_100, openAttempt: 1, endedRound: undefined });
    expect(ctl.state).toBe('open');
    expect(ctl.nextProbeAt()).toBe(1_100);
  });

  it('reads half-open once due without a store, open with one; the transition is made by toHalfOpen()', () => {
    const clock = new ManualClock(0);
    const ctl = controller(clock);
    ctl.transition('open', 'tripped', 'fleet');
    clock.advance(999);
    expect(ctl.dueForProbe(clock.now())).toBe(false);
    clock.advance(1);
    expect(ctl.observedState(false)).toBe('half-open');
    expect(ctl.observedState(true)).toBe('open');
    expect(ctl.dueForProbe(clock.now())).toBe(true);
    const t = ctl.toHalfOpen();
    expect(t).toMatchObject({ from: 'open', to: 'half-open', reason: 'open for 1000ms', generation: 2 });
    expect(ctl.round).toBeDefined();
    expect(ctl.nextProbeAt()).toBe(0);
  });

  it('probe accounting: maxProbes slots, successesToClose successes close, a failure re-opens with a longer attempt', () => {
    const clock = new ManualClock(0);
    const ctl = controller(clock, { maxProbes: 2, successesToClose: 2 });
    ctl.transition('open', 'tripped', 'fleet');
    clock.advance(1_000);
    ctl.toHalfOpen();
    const round = ctl.round!;
    const a = round.acquire(clock.now());
    const b = round.acquire(clock.now());
    expect(round.acquire(clock.now())).toBe(-1);
    expect(ctl.admits(clock.now())).toBe(false);
    expect(ctl.settleProbe(round, a, VERDICT_NEUTRAL)).toBeUndefined();
    expect(ctl.admits(clock.now())).toBe(true);
    expect(ctl.settleProbe(round, a, VERDICT_SUCCESS)).toBeUndefined(); // already released: ignored
    expect(ctl.settleProbe(round, b, VERDICT_SUCCESS)).toBeUndefined(); // 1 of 2
    const c = round.acquire(clock.now());
    const closed = ctl.settleProbe(round, c, VERDICT_SUCCESS);
    expect(closed).toMatchObject({
      from: 'half-open',
      to: 'closed',
      reason: '2 probes succeeded',
      endedRound: round,
      openAttempt: 0,
    });
    ctl.transition('open', 'tripped', 'fleet');
    clock.advance(1_000);
    ctl.toHalfOpen();
    const r2 = ctl.round!;
    const reopened = ctl.settleProbe(r2, r2.acquire(clock.now()), VERDICT_FAILURE);
    expect(reopened).toMatchObject({ from: 'half-open', to: 'open', reason: 'probe failed', openAttempt: 2 });
    expect(ctl.settleProbe(r2, 1, VERDICT_FAILURE)).toBeUndefined(); // a late settlement of an ended round
  });

  it('probes held past probeTimeoutMs expire the round', () => {
    const clock = new ManualClock(0);
    const ctl = controller(clock, { probeTimeoutMs: 300 });
    ctl.transition('open', 'tripped', 'fleet');
    clock.advance(1_000);
    ctl.toHalfOpen();
    ctl.round!.acquire(clock.now());
    expect(ctl.probeExpiry()).toBe(1_300);
    clock.advance(299);
    expect(ctl.probesExpired(clock.now())).toBe(false);
    clock.advance(1);
    expect(ctl.probesExpired(clock.now())).toBe(true);
  });

  it('adopts only newer fleet generations; a local isolation keeps its state and takes the numbering', () => {
    const clock = new ManualClock(0);
    const ctl = controller(clock);
    const remote = { state: 'open' as const, generation: 4, openUntil: 700, reason: 'remote trip', at: 0, origin: 'b' };
    const t = ctl.adopt(remote, false);
    expect(t).toMatchObject({
      from: 'closed',
      to: 'open',
      remote: true,
      generation: 4,
      openUntil: 700,
      reason: 'remote trip',
    });
    expect(ctl.adopt(remote, false)).toBeUndefined();
    ctl.transition('isolated', 'isolated locally', 'local');
    expect(ctl.generation).toBe(5);
    expect(ctl.fleetGeneration).toBe(4);
    expect(ctl.adopt({ ...remote, state: 'closed', generation: 6 }, true)).toBeUndefined();
    expect(ctl.state).toBe('isolated');
    expect(ctl.fleetGeneration).toBe(6);
    expect(ctl.fleetView()).toMatchObject({ state: 'closed', generation: 6 });
  });

  it('a re-numbered state of the same kind moves the generation without a transition', () => {
    const clock = new ManualClock(0);
    const ctl = controller(clock);
    ctl.transition('open', 'tripped', 'fleet');
    expect(
      ctl.adopt({ state: 'open', generation: 9, openUntil: 2_000, reason: 'x', at: 0, origin: 'b' }, false),
    ).toBeUndefined();
    expect(ctl.generation).toBe(9);
    expect(ctl.openUntil).toBe(2_000);
  });

  it('fleetOnly() numbers a fleet state without changing the local one', () => {
    const clock = new ManualClock(0);
    const ctl = controller(clock);
    ctl.transition('isolated', 'isolated locally', 'local');
    const shared = ctl.fleetOnly('isolated', 'isolated');
    expect(shared).toMatchObject({ state: 'isolated', generation: 1 });
    expect(ctl.generation).toBe(2);
    expect(ctl.state).toBe('isolated');
    expect(ctl.fleetState).toBe('isolated');
  });
});
