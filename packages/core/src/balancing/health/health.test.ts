import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../clock.js';
import { loadBalancer } from '../load-balancer.js';
import { seededRandom } from '../random.js';
import type { Endpoint, HealthEvent } from '../types.js';

const eps: Endpoint[] = [
  { id: 'a', url: 'http://a' },
  { id: 'b', url: 'http://b' },
  { id: 'c', url: 'http://c' },
];
const flush = async (): Promise<void> => {
  for (let i = 0; i < 6; i++) await Promise.resolve();
};

describe('active health checks (ManualClock)', () => {
  it('applies rise/fall thresholds, emits health events, never overlaps, stops on close', async () => {
    const clock = new ManualClock();
    const state: Record<string, boolean> = { a: true, b: true, c: true };
    const running: Record<string, number> = {};
    let overlap = false;
    let calls = 0;
    const lb = loadBalancer({
      endpoints: eps,
      clock,
      random: seededRandom(5),
      locality: { panicThreshold: 0 },
      healthCheck: {
        intervalMs: 1000,
        timeoutMs: 500,
        jitterMs: 0,
        healthyThreshold: 2,
        unhealthyThreshold: 3,
        check: async (ep, signal) => {
          calls++;
          if ((running[ep.id] = (running[ep.id] ?? 0) + 1) > 1) overlap = true;
          try {
            if (ep.id === 'c' && !state.c)
              await new Promise((_r, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
            return state[ep.id]!;
          } finally {
            running[ep.id]!--;
          }
        },
      },
    });
    const events: HealthEvent[] = [];
    lb.on('health', (e) => events.push(e));
    const tick = async (ms: number): Promise<void> => {
      for (let t = 0; t < ms; t += 50) {
        clock.advance(50);
        await flush();
      }
    };
    await tick(200);
    expect(calls).toBe(3); // first checks at once
    state.b = false;
    state.c = false; // c hangs until its 500 ms timeout
    await tick(2 * 1100);
    expect(events).toEqual([]); // only 2 failures so far
    await tick(2200);
    expect(events.map((e) => [e.endpoint, e.healthy])).toEqual(
      expect.arrayContaining([
        ['b', false],
        ['c', false],
      ]),
    );
    expect(events.find((e) => e.endpoint === 'c')!.reason).toMatch(/timed out after 500ms/);
    for (let i = 0; i < 20; i++) expect(lb.pick().id).toBe('a');
    expect(lb.endpoints().map((e) => e.healthy)).toEqual([true, false, false]);
    state.b = true;
    await tick(1100);
    expect(events.filter((e) => e.endpoint === 'b')).toHaveLength(1); // one success is not enough
    await tick(1100);
    expect(events.filter((e) => e.endpoint === 'b').at(-1)).toMatchObject({ healthy: true });
    expect(overlap).toBe(false);
    await lb.close();
    expect(clock.pendingTimers()).toBe(0);
    const before = calls;
    await tick(5000);
    expect(calls).toBe(before);
  });

  it('a check that throws or ignores its signal counts as failed and does not stall the loop', async () => {
    const clock = new ManualClock();
    let n = 0;
    const lb = loadBalancer({
      endpoints: [eps[0]!],
      clock,
      locality: { panicThreshold: 0 },
      healthCheck: {
        intervalMs: 100,
        timeoutMs: 50,
        jitterMs: 0,
        unhealthyThreshold: 2,
        check: () => (++n === 1 ? Promise.reject(new Error('refused')) : new Promise<boolean>(() => undefined)),
      },
    });
    const events: HealthEvent[] = [];
    lb.on('health', (e) => events.push(e));
    for (let t = 0; t < 400; t += 10) {
      clock.advance(10);
      await flush();
    }
    expect(n).toBeGreaterThanOrEqual(3);
    expect(events[0]).toMatchObject({ endpoint: 'a', healthy: false });
    await lb.close();
  });

  it('update() starts checks for new endpoints and stops them for removed ones', async () => {
    const clock = new ManualClock();
    const checked: string[] = [];
    const lb = loadBalancer({
      endpoints: [eps[0]!],
      clock,
      healthCheck: {
        intervalMs: 100,
        jitterMs: 0,
        check: (ep) => {
          checked.push(ep.id);
          return Promise.resolve(true);
        },
      },
    });
    clock.advance(0);
    await flush();
    lb.update([eps[1]!]);
    clock.advance(0);
    await flush();
    checked.length = 0;
    clock.advance(100);
    await flush();
    expect(checked).toEqual(['b']);
    await lb.close();
    expect(clock.pendingTimers()).toBe(0);
  });
});
