import { describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.js';
import { ConfigError } from '../errors.js';
import type { AttemptContext } from '../policy.js';
import { hedge } from './hedge.js';

const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

interface Attempt {
  ctx: AttemptContext;
  resolve: (v: string) => void;
  reject: (e: unknown) => void;
}

function recorder(): { attempts: Attempt[]; fn: (ctx: AttemptContext) => Promise<string> } {
  const attempts: Attempt[] = [];
  return {
    attempts,
    fn: (ctx) =>
      new Promise<string>((resolve, reject) => {
        attempts.push({ ctx, resolve, reject });
      }),
  };
}

describe('hedge', () => {
  it('starts another attempt after delayMs; the first success wins and losers are aborted', async () => {
    const clock = new ManualClock();
    const { attempts, fn } = recorder();
    const p = hedge({ delayMs: 50, maxHedges: 2, clock }).execute(fn);
    expect(attempts).toHaveLength(1);
    clock.advance(49);
    expect(attempts).toHaveLength(1);
    clock.advance(1);
    expect(attempts).toHaveLength(2);
    expect(attempts.map((a) => a.ctx.attempt)).toEqual([0, 1]);
    attempts[1]!.resolve('second');
    await expect(p).resolves.toBe('second');
    expect(attempts[0]!.ctx.signal.aborted).toBe(true);
    expect(attempts[1]!.ctx.signal.aborted).toBe(false);
    clock.advance(1000);
    expect(attempts).toHaveLength(2);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('starts at most maxHedges extra attempts', async () => {
    const clock = new ManualClock();
    const { attempts, fn } = recorder();
    const p = hedge({ delayMs: 10, maxHedges: 2, clock }).execute(fn);
    clock.advance(100);
    expect(attempts).toHaveLength(3);
    attempts[0]!.resolve('first');
    await expect(p).resolves.toBe('first');
    expect(attempts[1]!.ctx.signal.aborted && attempts[2]!.ctx.signal.aborted).toBe(true);
  });

  it('a fast failure fails the call without hedging; with several in flight it waits for all and rejects with the last error', async () => {
    const clock = new ManualClock();
    const h = hedge({ delayMs: 10, clock });
    const first = recorder();
    const p1 = h.execute(first.fn);
    first.attempts[0]!.reject(new Error('fast fail'));
    await expect(p1).rejects.toThrow('fast fail');
    expect(clock.pendingTimers()).toBe(0);

    const second = recorder();
    const p2 = h.execute(second.fn);
    clock.advance(10);
    second.attempts[0]!.reject(new Error('primary'));
    await flush();
    let settled = false;
    p2.catch(() => {
      settled = true;
    });
    await flush();
    expect(settled).toBe(false);
    second.attempts[1]!.reject(new Error('hedge'));
    await expect(p2).rejects.toThrow('hedge');
  });

  it('a caller abort rejects at once, aborts every attempt and clears the timer', async () => {
    const clock = new ManualClock();
    const { attempts, fn } = recorder();
    const ac = new AbortController();
    const p = hedge({ delayMs: 10, maxHedges: 3, clock }).execute(fn, { signal: ac.signal });
    clock.advance(10);
    const reason = new Error('stop');
    ac.abort(reason);
    await expect(p).rejects.toBe(reason);
    expect(attempts.every((a) => a.ctx.signal.aborted && a.ctx.signal.reason === reason)).toBe(true);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('validates its options', () => {
    expect(() => hedge({ delayMs: -1 })).toThrow('hedge.delayMs');
    expect(() => hedge({ delayMs: 1, maxHedges: 1.5 })).toThrow('hedge.maxHedges: expected an integer ≥ 0, got 1.5');
    expect(() => hedge(undefined as never)).toThrow(ConfigError);
  });
});
