import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.js';
import { DeadlineQueue, type DeadlineEntry, type Deadlines } from './deadline-queue.js';
import { TickQueue } from './tick-queue.js';

/*
 * Differential test of the timeout queues (issue 18.5): the plain DeadlineQueue (exact deadlines,
 * reads the time per call) and the fast TickQueue (counts timer ticks) run the same schedule of
 * arrivals, settlements and clock advances, each on its own ManualClock, and must agree: the fast
 * version expires a call iff it was still pending some time in [deadline, deadline + 2 ticks], never
 * early, and leaves no timer behind once everything settled.
 */

class Entry implements DeadlineEntry {
  prev: DeadlineEntry | undefined = undefined;
  next: DeadlineEntry | undefined = undefined;
  deadline = 0;
  queued = false;
  expiredAt: number | undefined;
  constructor(private readonly clock: ManualClock) {}
  expire(): void {
    this.expiredAt = this.clock.now();
  }
}

type Op = { kind: 'add' } | { kind: 'settle'; index: number } | { kind: 'advance'; ms: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.constant<Op>({ kind: 'add' }),
  fc.nat(40).map((index): Op => ({ kind: 'settle', index })),
  fc.double({ min: 0, max: 150, noNaN: true }).map((ms): Op => ({ kind: 'advance', ms })),
);

interface Run {
  clock: ManualClock;
  queue: Deadlines;
  entries: Entry[];
  settledAt: Array<number | undefined>;
}

function start(make: (clock: ManualClock) => Deadlines): Run {
  const clock = new ManualClock(1_000);
  return { clock, queue: make(clock), entries: [], settledAt: [] };
}

function apply(run: Run, o: Op): void {
  if (o.kind === 'add') {
    const e = new Entry(run.clock);
    run.entries.push(e);
    run.settledAt.push(undefined);
    run.queue.add(e);
  } else if (o.kind === 'settle') {
    const i = o.index % Math.max(1, run.entries.length);
    const e = run.entries[i];
    if (e === undefined || e.expiredAt !== undefined || run.settledAt[i] !== undefined) return;
    run.settledAt[i] = run.clock.now();
    run.queue.remove(e);
  } else {
    run.clock.advance(o.ms);
  }
}

describe('TickQueue against DeadlineQueue (same schedule, ManualClock)', () => {
  it('expires the same calls, at most two ticks late and never early', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 200 }), fc.array(op, { maxLength: 80 }), (ms, ops) => {
        const plain = start((clock) => new DeadlineQueue(clock, ms));
        const fast = start((clock) => new TickQueue(clock, ms));
        const arrivedAt: number[] = [];
        for (const o of ops) {
          if (o.kind === 'add') arrivedAt.push(plain.clock.now());
          // Settle only what is settleable in both: a call the plain queue expired is no longer pending.
          apply(plain, o);
          apply(fast, o);
        }
        const tickMs = Math.max(1, ms / 20);
        plain.clock.advance(10 * ms + 100);
        fast.clock.advance(10 * ms + 100);
        for (let i = 0; i < arrivedAt.length; i++) {
          const deadline = arrivedAt[i]! + ms;
          const p = plain.entries[i]!;
          const f = fast.entries[i]!;
          // The plain queue is exact.
          if (p.expiredAt !== undefined) expect(p.expiredAt).toBe(deadline);
          if (f.expiredAt !== undefined) {
            // Never early, at most two ticks late, and only calls the plain queue expired too.
            expect(f.expiredAt).toBeGreaterThanOrEqual(deadline);
            expect(f.expiredAt).toBeLessThanOrEqual(deadline + 2 * tickMs + 1e-9);
            expect(p.expiredAt).toBe(deadline);
          } else if (p.expiredAt !== undefined) {
            // Expired by the plain queue but not by the fast one: settled within the grace of two ticks.
            const settled = fast.settledAt[i];
            expect(settled).toBeDefined();
            expect(settled!).toBeGreaterThanOrEqual(deadline);
            expect(settled!).toBeLessThan(deadline + 2 * tickMs + 1e-9);
          } else {
            // Neither expired: settled before the deadline.
            expect(plain.settledAt[i]).toBeLessThan(deadline);
          }
        }
        expect(plain.clock.pendingTimers()).toBe(0);
        expect(fast.clock.pendingTimers()).toBe(0);
      }),
      { numRuns: 300 },
    );
  });
});
