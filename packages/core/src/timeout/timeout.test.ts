import { describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.js';
import { ConfigError, TimeoutError } from '../errors.js';
import type { AttemptContext } from '../policy.js';
import { timeout } from './timeout.js';

const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('timeout', () => {
  it('rejects with TimeoutError at the deadline even when fn ignores its signal, and aborts ctx.signal', async () => {
    const clock = new ManualClock();
    let seen: AbortSignal | undefined;
    const p = timeout(100, { clock }).execute((ctx) => {
      seen = ctx.signal;
      return new Promise<never>(() => {});
    });
    let settled = false;
    p.catch(() => {
      settled = true;
    });
    clock.advance(99);
    await flush();
    expect(settled).toBe(false);
    clock.advance(1);
    await expect(p).rejects.toBeInstanceOf(TimeoutError);
    await expect(p).rejects.toMatchObject({ code: 'BW_TIMEOUT', timeoutMs: 100 });
    expect(seen?.aborted).toBe(true);
    expect(seen?.reason).toBeInstanceOf(TimeoutError);
  });

  it('aborts a signal read late, after the timeout fired', async () => {
    const clock = new ManualClock();
    let ctxRef: AttemptContext | undefined;
    const p = timeout(10, { clock }).execute((ctx) => {
      ctxRef = ctx;
      return new Promise<never>(() => {});
    });
    clock.advance(10);
    await expect(p).rejects.toBeInstanceOf(TimeoutError);
    expect(ctxRef?.signal.aborted).toBe(true);
  });

  it('passes results and errors through and clears its single timer on settle', async () => {
    const clock = new ManualClock();
    const t = timeout(100, { clock });
    const p = t.execute(async () => 42);
    expect(clock.pendingTimers()).toBe(1);
    await expect(p).resolves.toBe(42);
    expect(clock.pendingTimers()).toBe(0);
    await expect(
      t.execute(() => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(clock.pendingTimers()).toBe(0);
  });

  it('a caller abort rejects at once with the reason, clears the timer and aborts the inner signal', async () => {
    const clock = new ManualClock();
    const ac = new AbortController();
    let inner: AbortSignal | undefined;
    const p = timeout(1000, { clock }).execute(
      (ctx) => {
        inner = ctx.signal;
        return new Promise<never>(() => {});
      },
      { signal: ac.signal },
    );
    const reason = new Error('bye');
    ac.abort(reason);
    await expect(p).rejects.toBe(reason);
    expect(inner?.aborted).toBe(true);
    expect(inner?.reason).toBe(reason);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('rejects at once when the caller signal is already aborted', async () => {
    const clock = new ManualClock();
    const reason = new Error('already');
    let called = false;
    await expect(
      timeout(10, { clock }).execute(
        () => {
          called = true;
        },
        { signal: AbortSignal.abort(reason) },
      ),
    ).rejects.toBe(reason);
    expect(called).toBe(false);
  });

  it('concurrent calls each time out at their own deadline behind one shared timer', async () => {
    const clock = new ManualClock();
    const t = timeout(100, { clock });
    const fired: Array<[string, number]> = [];
    const start = (name: string): Promise<unknown> =>
      t
        .execute(() => new Promise<never>(() => {}))
        .catch(() => {
          fired.push([name, clock.now()]);
        });
    const a = start('a');
    clock.advance(30);
    const b = start('b');
    let resolveC!: (v: string) => void;
    const c = t.execute(
      () =>
        new Promise<string>((r) => {
          resolveC = r;
        }),
    );
    clock.advance(30);
    const d = start('d');
    expect(clock.pendingTimers()).toBe(1);
    resolveC('c done');
    await expect(c).resolves.toBe('c done');
    clock.advance(40); // t = 100: a expires
    await flush();
    expect(fired).toEqual([['a', 100]]);
    clock.advance(29);
    await flush();
    expect(fired).toEqual([['a', 100]]);
    clock.advance(1); // t = 130: b
    await flush();
    clock.advance(30); // t = 160: d
    await Promise.all([a, b, d]);
    expect(fired).toEqual([
      ['a', 100],
      ['b', 130],
      ['d', 160],
    ]);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('keeps deadlines ordered when the clock steps backwards', async () => {
    let now = 1000;
    const timers: Array<{ due: number; fn: () => void }> = [];
    const clock = {
      now: () => now,
      setTimeout: (fn: () => void, ms: number) => {
        const t = { due: now + ms, fn };
        timers.push(t);
        return t;
      },
      clearTimeout: (h: unknown) => {
        const i = timers.indexOf(h as never);
        if (i >= 0) timers.splice(i, 1);
      },
    };
    const t = timeout(100, { clock });
    const order: string[] = [];
    const first = t.execute(() => new Promise<never>(() => {})).catch(() => order.push('first'));
    now = 500; // stepped back: the second call's deadline (600) is earlier than the first's (1100)
    const second = t.execute(() => new Promise<never>(() => {})).catch(() => order.push('second'));
    const fire = (): void => {
      const due = timers.shift()!;
      now = Math.max(now, due.due);
      due.fn();
    };
    fire();
    await second;
    expect(order).toEqual(['second']);
    fire();
    await first;
    expect(order).toEqual(['second', 'first']);
  });

  it('validates its options', () => {
    expect(() => timeout(0)).toThrow(ConfigError);
    expect(() => timeout(0)).toThrow('timeout.ms: expected a finite number > 0, got 0');
    expect(() => timeout('1s' as never)).toThrow('timeout.ms: expected a finite number > 0, got "1s"');
    expect(() => timeout(Infinity)).toThrow('timeout.ms');
    expect(() => timeout(5, { clock: 3 as never })).toThrow('timeout.clock');
  });
});
