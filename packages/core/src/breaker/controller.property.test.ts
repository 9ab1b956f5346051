import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ManualClock } from '../clock.js';
import { BreakerController, type Transition } from './controller.js';
import { OpenPeriod } from './open-period.js';
import { VERDICT_FAILURE, VERDICT_NEUTRAL, VERDICT_SUCCESS, type Verdict } from './outcome.js';
import { consecutiveFailures } from './trip/consecutive-failures.js';
import type { BreakerState } from './types.js';

type Op =
  | { kind: 'advance'; ms: number }
  | { kind: 'trip' }
  | { kind: 'halfOpen' }
  | { kind: 'acquire' }
  | { kind: 'settle'; index: number; verdict: Verdict }
  | { kind: 'expire' }
  | {
      kind: 'adopt';
      delta: number;
      state: 'closed' | 'open' | 'half-open' | 'isolated';
      openUntil: number;
      heldLocally: boolean;
    }
  | { kind: 'manual'; to: 'isolated' | 'closed'; local: boolean }
  | { kind: 'fleetOnly'; state: 'isolated' | 'closed' };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 1_500 }) }),
  fc.constant({ kind: 'trip' as const }),
  fc.constant({ kind: 'halfOpen' as const }),
  fc.constant({ kind: 'acquire' as const }),
  fc.record({
    kind: fc.constant('settle' as const),
    index: fc.nat(5),
    verdict: fc.constantFrom<Verdict>(VERDICT_SUCCESS, VERDICT_FAILURE, VERDICT_NEUTRAL),
  }),
  fc.constant({ kind: 'expire' as const }),
  fc.record({
    kind: fc.constant('adopt' as const),
    delta: fc.integer({ min: -2, max: 4 }),
    state: fc.constantFrom('closed' as const, 'open' as const, 'half-open' as const, 'isolated' as const),
    openUntil: fc.constantFrom(0, 500, 50_000),
    heldLocally: fc.boolean(),
  }),
  fc.record({
    kind: fc.constant('manual' as const),
    to: fc.constantFrom('isolated' as const, 'closed' as const),
    local: fc.boolean(),
  }),
  fc.record({
    kind: fc.constant('fleetOnly' as const),
    state: fc.constantFrom('isolated' as const, 'closed' as const),
  }),
);

const settings = fc.record({
  maxProbes: fc.integer({ min: 1, max: 3 }),
  successesToClose: fc.integer({ min: 1, max: 3 }),
  openMs: fc.integer({ min: 1, max: 1_000 }),
});

describe('BreakerController (property)', () => {
  it('transitions are values that match the state; generations are monotonic; probe slots stay within maxProbes', () => {
    fc.assert(
      fc.property(settings, fc.array(op, { maxLength: 80 }), (s, ops) => {
        const clock = new ManualClock(0);
        const ctl = new BreakerController({
          clock,
          evaluator: consecutiveFailures(3).create(clock),
          openPeriod: OpenPeriod.of(s.openMs),
          maxProbes: s.maxProbes,
          successesToClose: s.successesToClose,
          probeTimeoutMs: 700,
        });
        let slots: number[] = [];
        let closingSuccesses = 0;
        for (const o of ops) {
          const before = { state: ctl.state, gen: ctl.generation, fleetGen: ctl.fleetGeneration, round: ctl.round };
          let t: Transition | undefined;
          switch (o.kind) {
            case 'advance':
              clock.advance(o.ms);
              break;
            case 'trip':
              if (ctl.state === 'closed') t = ctl.transition('open', 'tripped', 'fleet');
              break;
            case 'halfOpen':
              if (ctl.dueForProbe(clock.now())) t = ctl.toHalfOpen();
              break;
            case 'acquire':
              if (ctl.state === 'half-open' && !ctl.probesExpired(clock.now())) {
                const slot = ctl.round!.acquire(clock.now());
                if (slot >= 0) slots.push(slot);
                else expect(ctl.round!.active).toBe(s.maxProbes);
              }
              break;
            case 'settle':
              if (ctl.round !== undefined && slots.length > 0) {
                const slot = slots[o.index % slots.length]!;
                slots = slots.filter((x) => x !== slot);
                const successesBefore = ctl.round.successes;
                t = ctl.settleProbe(ctl.round, slot, o.verdict);
                if (t?.to === 'closed') closingSuccesses = successesBefore + 1;
              }
              break;
            case 'expire':
              if (ctl.probesExpired(clock.now())) t = ctl.transition('open', 'probe timed out', 'fleet');
              break;
            case 'adopt': {
              // Only a locally isolated breaker is held (see ManualControl).
              const held = o.heldLocally && ctl.state === 'isolated';
              t = ctl.adopt(
                {
                  state: o.state,
                  generation: ctl.fleetGeneration + o.delta,
                  openUntil: o.openUntil,
                  reason: 'remote',
                  at: 0,
                  origin: 'x',
                },
                held,
              );
              if (o.delta <= 0) expect(ctl.fleetGeneration).toBe(before.fleetGen);
              if (held) expect(t).toBeUndefined();
              if (t !== undefined) expect(t.to).toBe(o.state === 'half-open' ? 'open' : o.state);
              break;
            }
            case 'manual':
              if (ctl.state !== o.to) t = ctl.transition(o.to, 'manual', o.local ? 'local' : 'fleet');
              break;
            case 'fleetOnly': {
              const shared = ctl.fleetOnly(o.state, 'fleet only');
              expect(shared.generation).toBe(before.fleetGen + 1);
              expect(ctl.state).toBe(before.state);
              break;
            }
          }
          // Generations: monotonic; the instance's is never behind the fleet's, except while a local
          // isolation holds it (the fleet's numbering moves on; the instance catches up on release).
          expect(ctl.generation).toBeGreaterThanOrEqual(before.gen);
          expect(ctl.fleetGeneration).toBeGreaterThanOrEqual(before.fleetGen);
          if (ctl.state !== 'isolated') expect(ctl.generation).toBeGreaterThanOrEqual(ctl.fleetGeneration);
          if (t !== undefined) {
            expect(t.from).toBe(before.state);
            expect(t.to).toBe(ctl.state);
            expect(t.generation).toBe(ctl.generation);
            expect(t.generation).toBeGreaterThan(before.gen);
            expect(t.endedRound).toBe(before.round);
            expect(t.publishedGeneration).toBe(t.scope === 'fleet' ? ctl.fleetGeneration : ctl.generation);
            if (t.to === 'closed') expect(closingSuccesses === 0 || closingSuccesses >= s.successesToClose).toBe(true);
            closingSuccesses = 0;
            if (t.to !== 'half-open') slots = [];
          } else {
            expect(ctl.state).toBe(before.state);
          }
          // State invariants.
          const state: BreakerState = ctl.state;
          expect(ctl.round !== undefined).toBe(state === 'half-open');
          if (ctl.round !== undefined) expect(ctl.round.active).toBeLessThanOrEqual(s.maxProbes);
          expect(ctl.openUntil > 0).toBe(state === 'open');
          if (state === 'closed') expect(ctl.openAttempt).toBe(0);
          if (state === 'open') expect(ctl.openAttempt).toBeGreaterThanOrEqual(1);
          expect(ctl.nextProbeAt()).toBe(state === 'open' ? ctl.openUntil : state === 'isolated' ? Infinity : 0);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('a failed probe grows the open attempt by one; closing starts the schedule over', () => {
    fc.assert(
      fc.property(fc.array(fc.boolean(), { minLength: 1, maxLength: 20 }), (results) => {
        const clock = new ManualClock(0);
        const ctl = new BreakerController({
          clock,
          evaluator: consecutiveFailures(1).create(clock),
          openPeriod: OpenPeriod.of(10),
          maxProbes: 1,
          successesToClose: 1,
          probeTimeoutMs: 100,
        });
        ctl.transition('open', 'tripped', 'fleet');
        let attempt = 1;
        for (const ok of results) {
          clock.advance(10);
          ctl.toHalfOpen();
          const round = ctl.round!;
          const t = ctl.settleProbe(round, round.acquire(clock.now()), ok ? VERDICT_SUCCESS : VERDICT_FAILURE)!;
          attempt = ok ? 0 : attempt + 1;
          expect(t.openAttempt).toBe(attempt);
          if (ok) {
            ctl.transition('open', 'tripped', 'fleet');
            attempt = 1;
          }
        }
      }),
    );
  });
});
