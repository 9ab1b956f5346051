/**
 * API contract conformance: @breakwater/core timeout, bulkhead, rateLimit, fallback, cacheFallback
 * and hedge. Imports only from the package root; time is a ManualClock.
 */
import { describe, expect, it } from 'vitest';
import {
  BulkheadRejectedError,
  ConfigError,
  ManualClock,
  RateLimitedError,
  TimeoutError,
  bulkhead,
  cacheFallback,
  fallback,
  hedge,
  rateLimit,
  timeout,
  type AttemptContext,
} from '@breakwater/core';
import { flush } from './test-support/contract.js';

describe('timeout', () => {
  it('rejects with TimeoutError at ms and aborts ctx.signal', async () => {
    const clock = new ManualClock();
    let signal: AbortSignal | undefined;
    const p = timeout(100, { clock }).execute((ctx: AttemptContext) => {
      signal = ctx.signal;
      return new Promise(() => {});
    });
    await flush();
    clock.advance(99);
    await flush();
    expect(signal!.aborted).toBe(false);
    clock.advance(1);
    const e = await p.catch((x: unknown) => x);
    expect(e).toBeInstanceOf(TimeoutError);
    expect((e as TimeoutError).code).toBe('BW_TIMEOUT');
    expect(signal!.aborted).toBe(true);
  });

  it('rejects at ms even when the function ignores its signal; a fast call resolves', async () => {
    const clock = new ManualClock();
    const t = timeout(50, { clock });
    await expect(t.execute(() => 'fast')).resolves.toBe('fast');
    const slow = t.execute(() => new Promise((r) => clock.setTimeout(() => r('late'), 1_000)));
    clock.advance(50);
    await expect(slow).rejects.toBeInstanceOf(TimeoutError);
  });

  it('validates ms', () => {
    expect(() => timeout(0)).toThrow(ConfigError);
    expect(() => timeout(Number.NaN)).toThrow(ConfigError);
  });
});

describe('bulkhead', () => {
  it('maxQueue defaults to 0: a call beyond maxConcurrent is rejected at once', async () => {
    const b = bulkhead({ maxConcurrent: 2 });
    const releases: Array<() => void> = [];
    const running = [0, 1].map(() => b.execute(() => new Promise<void>((r) => releases.push(r))));
    const e = await b.execute(() => 1).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(BulkheadRejectedError);
    expect((e as BulkheadRejectedError).code).toBe('BW_BULKHEAD_FULL');
    releases.forEach((r) => r());
    await Promise.all(running);
    await expect(b.execute(() => 'free again')).resolves.toBe('free again');
  });

  it('maxQueue: waiters run in arrival order when a slot frees; beyond the queue calls are rejected', async () => {
    const b = bulkhead({ maxConcurrent: 1, maxQueue: 2 });
    const order: string[] = [];
    let release!: () => void;
    const first = b.execute(
      () =>
        new Promise<void>((r) => {
          release = r;
          order.push('first');
        }),
    );
    const q1 = b.execute(() => {
      order.push('q1');
    });
    const q2 = b.execute(() => {
      order.push('q2');
    });
    await expect(b.execute(() => 1)).rejects.toBeInstanceOf(BulkheadRejectedError);
    expect(order).toEqual(['first']);
    release();
    await Promise.all([first, q1, q2]);
    expect(order).toEqual(['first', 'q1', 'q2']);
  });

  it('validates', () => {
    expect(() => bulkhead({ maxConcurrent: 0 })).toThrow(ConfigError);
    expect(() => bulkhead({ maxConcurrent: 1, maxQueue: -1 })).toThrow(ConfigError);
  });
});

describe('rateLimit', () => {
  it('token bucket: burst at once, then perSecond; empty rejects with RateLimitedError', async () => {
    const clock = new ManualClock();
    const rl = rateLimit({ perSecond: 2, burst: 3, clock });
    for (let i = 0; i < 3; i++) await expect(rl.execute(() => i)).resolves.toBe(i);
    const e = await rl.execute(() => 'x').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(RateLimitedError);
    expect((e as RateLimitedError).code).toBe('BW_RATE_LIMITED');
    clock.advance(500); // one token at 2/s
    await expect(rl.execute(() => 'refilled')).resolves.toBe('refilled');
    await expect(rl.execute(() => 'x')).rejects.toBeInstanceOf(RateLimitedError);
  });

  it('validates', () => {
    expect(() => rateLimit({ perSecond: -1 })).toThrow(ConfigError);
  });
});

describe('fallback', () => {
  it('replaces a failure with the handler value (sync or async), handler receives the error', async () => {
    const err = new Error('down');
    let received: unknown;
    await expect(
      fallback((e) => {
        received = e;
        return 'cached';
      }).execute(() => {
        throw err;
      }),
    ).resolves.toBe('cached');
    expect(received).toBe(err);
    await expect(fallback(async () => 'async-fb').execute(() => Promise.reject(new Error('x')))).resolves.toBe('async-fb');
    await expect(fallback(() => 'unused').execute(() => 'real')).resolves.toBe('real');
  });

  it('when: only matching errors are replaced', async () => {
    const policy = fallback(() => 'fb', { when: (e) => e instanceof TypeError });
    await expect(
      policy.execute(() => {
        throw new TypeError('t');
      }),
    ).resolves.toBe('fb');
    await expect(
      policy.execute(() => {
        throw new RangeError('r');
      }),
    ).rejects.toBeInstanceOf(RangeError);
  });
});

describe('cacheFallback', () => {
  it('stores successes by ExecuteOptions.key and serves them on failure within ttlMs', async () => {
    const clock = new ManualClock();
    const cache = cacheFallback({ ttlMs: 1_000, clock });
    await expect(cache.execute(() => 'v1', { key: 'user:1' })).resolves.toBe('v1');
    await expect(
      cache.execute(
        () => {
          throw new Error('down');
        },
        { key: 'user:1' },
      ),
    ).resolves.toBe('v1');
    await expect(
      cache.execute(
        () => {
          throw new Error('down');
        },
        { key: 'user:2' },
      ),
    ).rejects.toThrow('down');
    clock.advance(1_001);
    await expect(
      cache.execute(
        () => {
          throw new Error('down');
        },
        { key: 'user:1' },
      ),
    ).rejects.toThrow('down');
  });

  it('a call without a key passes through', async () => {
    const cache = cacheFallback({ ttlMs: 1_000 });
    await cache.execute(() => 'v');
    await expect(
      cache.execute(() => {
        throw new Error('nokey');
      }),
    ).rejects.toThrow('nokey');
  });

  it('maxEntries defaults to 1000 (least recently used evicted)', async () => {
    const clock = new ManualClock();
    const cache = cacheFallback({ ttlMs: 60_000, clock });
    for (let i = 0; i < 1_000; i++) await cache.execute(() => i, { key: `k${i}` });
    await expect(
      cache.execute(
        () => {
          throw new Error('x');
        },
        { key: 'k0' },
      ),
    ).resolves.toBe(0); // k0 now most recent
    await cache.execute(() => 1_000, { key: 'k1000' }); // evicts the least recent: k1
    await expect(
      cache.execute(
        () => {
          throw new Error('gone');
        },
        { key: 'k1' },
      ),
    ).rejects.toThrow('gone');
    await expect(
      cache.execute(
        () => {
          throw new Error('x');
        },
        { key: 'k0' },
      ),
    ).resolves.toBe(0);
    await expect(
      cache.execute(
        () => {
          throw new Error('x');
        },
        { key: 'k2' },
      ),
    ).resolves.toBe(2);
  });

  it('maxEntries option', async () => {
    const cache = cacheFallback({ ttlMs: 60_000, maxEntries: 1 });
    await cache.execute(() => 'a', { key: 'a' });
    await cache.execute(() => 'b', { key: 'b' });
    await expect(
      cache.execute(
        () => {
          throw new Error('evicted');
        },
        { key: 'a' },
      ),
    ).rejects.toThrow('evicted');
    await expect(
      cache.execute(
        () => {
          throw new Error('x');
        },
        { key: 'b' },
      ),
    ).resolves.toBe('b');
  });
});

describe('hedge', () => {
  it('maxHedges defaults to 1: at most two attempts; the loser is aborted', async () => {
    const clock = new ManualClock();
    const signals: AbortSignal[] = [];
    const resolvers: Array<(v: string) => void> = [];
    const p = hedge({ delayMs: 100, clock }).execute((ctx) => {
      signals.push(ctx.signal);
      return new Promise<string>((r) => resolvers.push(r));
    });
    await flush();
    expect(signals).toHaveLength(1);
    clock.advance(100);
    await flush();
    expect(signals).toHaveLength(2);
    clock.advance(1_000);
    await flush();
    expect(signals).toHaveLength(2);
    resolvers[1]!('second wins');
    await expect(p).resolves.toBe('second wins');
    expect(signals[0]!.aborted).toBe(true);
    expect(signals[1]!.aborted).toBe(false);
  });

  it('no hedge when the first attempt answers before delayMs', async () => {
    const clock = new ManualClock();
    let calls = 0;
    const p = hedge({ delayMs: 100, clock }).execute(() => {
      calls++;
      return new Promise<string>((r) => clock.setTimeout(() => r('fast'), 50));
    });
    clock.advance(50);
    await expect(p).resolves.toBe('fast');
    clock.advance(100);
    expect(calls).toBe(1);
  });

  it('maxHedges: 2 starts up to three attempts', async () => {
    const clock = new ManualClock();
    const signals: AbortSignal[] = [];
    const p = hedge({ delayMs: 10, maxHedges: 2, clock }).execute((ctx) => {
      signals.push(ctx.signal);
      const n = signals.length;
      return new Promise<number>((r) => {
        if (n === 3) clock.setTimeout(() => r(n), 1);
      });
    });
    for (let i = 0; i < 5; i++) {
      await flush();
      clock.advance(10);
    }
    await expect(p).resolves.toBe(3);
    expect(signals).toHaveLength(3);
    expect(signals[0]!.aborted && signals[1]!.aborted).toBe(true);
  });
});
