import { describe, expect, it } from 'vitest';
import { ManualClock, type Clock } from '../../clock.js';
import { loadBalancer } from '../load-balancer.js';
import { seededRandom } from '../random.js';
import type { Endpoint } from '../types.js';
import { p2cEwma } from './p2c-ewma.js';

const eps = (n: number): Endpoint[] => Array.from({ length: n }, (_, i) => ({ id: `e${i}`, url: `http://e${i}` }));

/** A ManualClock whose now() reads are counted. */
function countingClock(): { clock: Clock; manual: ManualClock; reads: () => number; reset: () => void } {
  const manual = new ManualClock(1_000);
  let reads = 0;
  const clock: Clock = {
    now: () => {
      reads++;
      return manual.now();
    },
    setTimeout: (fn, ms) => manual.setTimeout(fn, ms),
    clearTimeout: (h) => manual.clearTimeout(h),
  };
  return {
    clock,
    manual,
    reads: () => reads,
    reset: () => {
      reads = 0;
    },
  };
}

describe('p2cEwma pick path', () => {
  it('reads no clock on pick(), before and after calls have completed', async () => {
    const c = countingClock();
    const lb = loadBalancer({ endpoints: eps(50), strategy: p2cEwma(), clock: c.clock, random: seededRandom(5) });
    lb.pick(); // the plan exists from construction; make sure nothing is pending
    c.reset();
    for (let i = 0; i < 1_000; i++) lb.pick();
    expect(c.reads()).toBe(0);
    for (let i = 0; i < 200; i++)
      await lb.execute((ep) => {
        c.manual.advance(ep.id === 'e3' ? 40 : 5);
      });
    c.manual.advance(60_000); // long idle: any decay must come from completions or rebuilds, not picks
    c.reset();
    for (let i = 0; i < 1_000; i++) lb.pick();
    expect(c.reads()).toBe(0);
    await lb.close();
  });

  it('counts calls in flight: with equal latency the busier of two endpoints loses', async () => {
    const lb = loadBalancer({
      endpoints: eps(2),
      strategy: p2cEwma(),
      clock: new ManualClock(),
      random: seededRandom(11),
    });
    const ids: string[] = [];
    const gates: Array<() => void> = [];
    const done: Promise<unknown>[] = [];
    for (let i = 0; i < 8; i++) {
      done.push(
        lb.execute((ep) => {
          ids.push(ep.id);
          return new Promise<void>((r) => gates.push(r));
        }),
      );
    }
    // Each pair of held calls lands on both endpoints: the second of a pair sees one more in flight on the first.
    for (let k = 0; k < 8; k += 2) expect(new Set([ids[k], ids[k + 1]])).toEqual(new Set(['e0', 'e1']));
    gates.forEach((g) => g());
    await Promise.all(done);
  });
});

describe('p2cEwma idle decay (decayMs)', () => {
  // One endpoint answers in 500 ms, the others in 1 ms, calls one at a time. The slow one is tried
  // again only once its estimate, decayed while it idles, drops below the fast ones' (≤ 1 ms):
  // 500 · e^(−t/decayMs) < 1 ⇒ t > decayMs · ln 500 (6.2 s at decayMs 1000).
  const run = async (n: number, decayMs: number, virtualMs: number): Promise<number[]> => {
    const clock = new ManualClock();
    const lb = loadBalancer({ endpoints: eps(n), strategy: p2cEwma({ decayMs }), clock, random: seededRandom(n) });
    const gaps: number[] = [];
    let slowEndedAt = -1;
    while (clock.now() < virtualMs) {
      let slow = false;
      await lb.execute((ep) => {
        slow = ep.id === 'e0';
        if (slow && slowEndedAt >= 0) gaps.push(clock.now() - slowEndedAt);
        clock.advance(slow ? 500 : 1);
      });
      if (slow) slowEndedAt = clock.now();
    }
    await lb.close();
    return gaps;
  };

  it.each([3, 300])('%i endpoints: the slow one is retried once decayed, not before', async (n) => {
    const gaps = await run(n, 1_000, 40_000);
    expect(gaps.length).toBeGreaterThanOrEqual(3);
    for (const gap of gaps) {
      expect(gap).toBeGreaterThanOrEqual(1_000 * Math.log(500));
      // Late only by the sweep period (decayMs/100), chunked sweeps, and waiting to be drawn as a candidate.
      expect(gap).toBeLessThan(1_000 * Math.log(500) + (n === 3 ? 300 : 3_000));
    }
  });

  it('without decay (huge decayMs) the slow endpoint is never retried', async () => {
    expect(await run(3, 1e12, 40_000)).toEqual([]);
  });
});
