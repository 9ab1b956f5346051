import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.js';
import { pipeline } from '../pipeline.js';
import { constantBackoff } from '../retry/backoff.js';
import { retry } from '../retry/retry.js';
import { timeout } from '../timeout/timeout.js';
import { Ctx } from '../execution.js';

const flush = (): Promise<void> => new Promise((r) => setImmediate(r));
const timerCount = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

describe('execution hygiene', () => {
  it('a long-lived caller signal accumulates no listeners over 100k calls with retries and timeouts', async () => {
    const ac = new AbortController();
    const p = pipeline(retry({ maxAttempts: 2, backoff: constantBackoff(0) }), timeout(60_000));
    let n = 0;
    for (let i = 0; i < 100_000; i++) {
      await p.execute(
        (ctx) => {
          // Reading the signal forces the lazy controllers and links into existence.
          if (ctx.signal.aborted) throw new Error('unexpected');
          if (ctx.attempt === 0 && i % 10 === 0) throw new Error('retry me');
          n++;
        },
        { signal: ac.signal },
      );
    }
    expect(n).toBe(100_000);
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(0);
  });

  it('many concurrent calls on one signal keep a single abort listener (no MaxListenersExceeded)', async () => {
    const ac = new AbortController();
    const p = pipeline(retry(), timeout(60_000));
    const resolvers: Array<() => void> = [];
    const calls = Array.from({ length: 50 }, () =>
      p.execute(
        (ctx) =>
          new Promise<void>((r) => {
            void ctx.signal;
            resolvers.push(r);
          }),
        { signal: ac.signal },
      ),
    );
    await flush();
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(1);
    resolvers.forEach((r) => r());
    await Promise.all(calls);
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(0);
  });

  it('leaves no timers behind after a burst of 10k calls on the system clock', async () => {
    const before = timerCount();
    const p = pipeline(retry({ backoff: constantBackoff(1) }), timeout(30_000));
    const calls: Array<Promise<number>> = [];
    for (let i = 0; i < 10_000; i++)
      calls.push(
        p.execute(async (ctx) => {
          if (ctx.attempt === 0 && i % 100 === 0) throw new Error('x');
          return i;
        }),
      );
    await Promise.all(calls);
    expect(timerCount()).toBeLessThanOrEqual(before);
  });

  it('a caller abort rejects at once with signal.reason and aborts the inner ctx.signal', async () => {
    const clock = new ManualClock();
    const ac = new AbortController();
    const p = pipeline(retry({ clock }), timeout(10_000, { clock }));
    let inner: AbortSignal | undefined;
    const call = p.execute(
      (ctx) => {
        inner = ctx.signal;
        return new Promise<never>(() => {});
      },
      { signal: ac.signal },
    );
    await flush();
    const reason = new Error('cancelled by caller');
    ac.abort(reason);
    await expect(call).rejects.toBe(reason);
    expect(inner?.aborted).toBe(true);
    expect(inner?.reason).toBe(reason);
    expect(clock.pendingTimers()).toBe(0);
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(0);
  });

  it('a signal-less call whose fn never reads ctx.signal creates no AbortController', async () => {
    const original = globalThis.AbortController;
    let created = 0;
    globalThis.AbortController = class extends original {
      constructor() {
        super();
        created++;
      }
    };
    try {
      await pipeline(retry(), timeout(1000)).execute(() => 1);
    } finally {
      globalThis.AbortController = original;
    }
    expect(created).toBe(0);
  });
});

describe('Ctx fork links without parent controllers', () => {
  it('aborts a fork of a fork when the outer fork aborts, and stops after dispose', () => {
    const root = Ctx.root(undefined);
    const outer = root.fork();
    const inner = outer.fork();
    const signal = inner.signal;
    expect(signal.aborted).toBe(false);
    outer.abort('outer gone');
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBe('outer gone');

    const outer2 = root.fork();
    const inner2 = outer2.fork();
    const signal2 = inner2.signal;
    inner2.dispose();
    outer2.abort('late');
    expect(signal2.aborted).toBe(false);
  });

  it('reaches a materialised fork when the root aborts, through unmaterialised levels', () => {
    const root = Ctx.root(undefined);
    const mid = root.fork();
    const leaf = mid.fork();
    const signal = leaf.signal;
    root.abort('root gone');
    expect(mid.aborted).toBe(true);
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBe('root gone');
  });

  it('an already aborted parent yields an aborted signal at once', () => {
    const root = Ctx.root(undefined);
    const mid = root.fork();
    mid.abort('done');
    expect(mid.fork().signal.reason).toBe('done');
  });
});

describe('ctx.context', () => {
  it('is writable and shared by every attempt of one call even when the caller passed none', async () => {
    const seen: unknown[] = [];
    const policy = pipeline(retry({ maxAttempts: 2, backoff: constantBackoff(0) }));
    await policy.execute((ctx) => {
      seen.push(ctx.context['n']);
      ctx.context['n'] = ctx.attempt + 1;
      if (ctx.attempt === 0) throw new Error('once');
      return 'ok';
    });
    expect(seen).toEqual([undefined, 1]);
  });
});
