/**
 * API contract conformance: @breakwater/core retry, exponentialBackoff / constantBackoff and
 * retryBudget. Imports only from the package root; time is a ManualClock.
 */
import { describe, expect, it } from 'vitest';
import {
  BrokenCircuitError,
  ConfigError,
  ManualClock,
  TimeoutError,
  circuitBreaker,
  consecutiveFailures,
  constantBackoff,
  exponentialBackoff,
  pipeline,
  retry,
  retryBudget,
  timeout,
  type Backoff,
} from '@breakwater/core';
import { flush, drive } from './test-support/contract.js';

describe('retry', () => {
  it('maxAttempts defaults to 3 and includes the first attempt', async () => {
    const clock = new ManualClock();
    let calls = 0;
    const p = retry({ clock }).execute(() => {
      calls++;
      throw new Error('nope');
    });
    await expect(drive(clock, p)).rejects.toThrow('nope');
    expect(calls).toBe(3);
  });

  it('maxAttempts: 1 means no retry; the last error is rethrown', async () => {
    let calls = 0;
    await expect(
      retry({ maxAttempts: 1 }).execute(() => {
        calls++;
        throw new Error(`e${calls}`);
      }),
    ).rejects.toThrow('e1');
    expect(calls).toBe(1);
    const clock = new ManualClock();
    let n = 0;
    const p = retry({ maxAttempts: 4, backoff: constantBackoff(0), clock }).execute(() => {
      n++;
      throw new Error(`e${n}`);
    });
    await expect(p).rejects.toThrow('e4');
    expect(n).toBe(4);
  });

  it('returns the first success', async () => {
    let calls = 0;
    const result = await retry({ maxAttempts: 5, backoff: constantBackoff(0) }).execute(() => {
      calls++;
      if (calls < 3) throw new Error('flaky');
      return 'ok';
    });
    expect(result).toBe('ok');
    expect(calls).toBe(3);
  });

  it("'retry' event: attempt is the 1-based number of the retry about to be made; on returns an unsubscribe", async () => {
    const clock = new ManualClock();
    const policy = retry({ maxAttempts: 3, backoff: constantBackoff(50), clock });
    const events: Array<{ attempt: number; delayMs: number; error: unknown }> = [];
    const off = policy.on('retry', (e) => events.push(e));
    expect(typeof off).toBe('function');
    const errors = [new Error('first'), new Error('second'), new Error('third')];
    let i = 0;
    const p = policy.execute(() => {
      throw errors[i++];
    });
    await expect(drive(clock, p)).rejects.toBe(errors[2]);
    expect(events).toEqual([
      { attempt: 1, delayMs: 50, error: errors[0] },
      { attempt: 2, delayMs: 50, error: errors[1] },
    ]);
    off();
    const p2 = policy.execute(() => {
      throw new Error('again');
    });
    await drive(clock, p2).catch(() => undefined);
    expect(events).toHaveLength(2);
  });

  it('waits the backoff delay on the clock between attempts', async () => {
    const clock = new ManualClock();
    const times: number[] = [];
    const p = retry({ maxAttempts: 3, backoff: constantBackoff(100), clock }).execute(() => {
      times.push(clock.now());
      throw new Error('x');
    });
    await flush();
    expect(times).toEqual([0]);
    clock.advance(99);
    await flush();
    expect(times).toEqual([0]);
    clock.advance(1);
    await flush();
    expect(times).toEqual([0, 100]);
    clock.advance(100);
    await expect(p).rejects.toThrow('x');
    expect(times).toEqual([0, 100, 200]);
  });

  it('retryOn decides which errors are retried', async () => {
    const seen: Array<[unknown, number]> = [];
    let calls = 0;
    const policy = retry({
      maxAttempts: 5,
      backoff: constantBackoff(0),
      retryOn: (e, attempt) => {
        seen.push([e, attempt]);
        return (e as Error).message !== 'fatal';
      },
    });
    await expect(
      policy.execute(() => {
        calls++;
        throw new Error(calls === 2 ? 'fatal' : 'transient');
      }),
    ).rejects.toThrow('fatal');
    expect(calls).toBe(2);
    expect(seen.map(([e]) => (e as Error).message)).toEqual(['transient', 'fatal']);
  });

  it('respects error.retryAfterMs (default respectRetryAfter: true)', async () => {
    const clock = new ManualClock();
    const policy = retry({ maxAttempts: 2, backoff: constantBackoff(10), clock });
    const delays: number[] = [];
    policy.on('retry', (e) => delays.push(e.delayMs));
    const p = policy.execute(() => {
      throw Object.assign(new Error('busy'), { retryAfterMs: 700 });
    });
    await drive(clock, p).catch(() => undefined);
    expect(delays).toEqual([700]);
  });

  it('respects an HTTP Retry-After header in seconds or as an HTTP date', async () => {
    const clock = new ManualClock();
    const policy = retry({ maxAttempts: 3, backoff: constantBackoff(10), clock });
    const delays: number[] = [];
    policy.on('retry', (e) => delays.push(e.delayMs));
    const inTwoSeconds = new Date(Date.now() + 5_000).toUTCString();
    let n = 0;
    const p = policy.execute(() => {
      n++;
      if (n === 1) throw Object.assign(new Error('503'), { response: { status: 503, headers: { 'retry-after': '2' } } });
      throw new Response(null, { status: 503, headers: { 'Retry-After': inTwoSeconds } });
    });
    await drive(clock, p, 100).catch(() => undefined);
    expect(delays[0]).toBe(2_000);
    expect(delays[1]).toBeGreaterThan(3_000);
    expect(delays[1]).toBeLessThanOrEqual(5_000);
  });

  it('respectRetryAfter: false ignores the hint', async () => {
    const clock = new ManualClock();
    const policy = retry({ maxAttempts: 2, backoff: constantBackoff(10), respectRetryAfter: false, clock });
    const delays: number[] = [];
    policy.on('retry', (e) => delays.push(e.delayMs));
    const p = policy.execute(() => {
      throw Object.assign(new Error('busy'), { retryAfterMs: 700 });
    });
    await drive(clock, p).catch(() => undefined);
    expect(delays).toEqual([10]);
  });

  it('maxRetryAfterMs: a longer hint is not waited for', async () => {
    const clock = new ManualClock();
    const policy = retry({ maxAttempts: 3, backoff: constantBackoff(10), maxRetryAfterMs: 1_000, clock });
    const p = policy.execute(() => {
      throw Object.assign(new Error('later'), { retryAfterMs: 60_000 });
    });
    await drive(clock, p).catch(() => undefined);
    expect(clock.now()).toBeLessThan(60_000);
  });

  it('a timeout inside retry is retried', async () => {
    const clock = new ManualClock();
    let calls = 0;
    const p = pipeline(retry({ maxAttempts: 2, backoff: constantBackoff(0), clock }), timeout(10, { clock })).execute(() => {
      calls++;
      return new Promise(() => {});
    });
    await expect(drive(clock, p, 5)).rejects.toBeInstanceOf(TimeoutError);
    expect(calls).toBe(2);
  });

  it('does not retry an open circuit by default', async () => {
    const b = circuitBreaker({ name: 'no-retry-open', trip: consecutiveFailures(1), clock: new ManualClock() });
    await b
      .execute(() => {
        throw new Error('x');
      })
      .catch(() => undefined);
    let attempts = 0;
    const policy = retry({ maxAttempts: 3, backoff: constantBackoff(0) });
    policy.on('retry', () => attempts++);
    await expect(pipeline(policy, b).execute(() => 1)).rejects.toBeInstanceOf(BrokenCircuitError);
    expect(attempts).toBe(0);
  });

  it('validates options', () => {
    expect(() => retry({ maxAttempts: 0 })).toThrow(ConfigError);
    expect(() => retry({ maxAttempts: 1.5 })).toThrow(ConfigError);
  });
});

describe('exponentialBackoff / constantBackoff', () => {
  async function delaysOf(backoff: Backoff, retries: number): Promise<number[]> {
    const clock = new ManualClock();
    const policy = retry({ maxAttempts: retries + 1, backoff, clock, respectRetryAfter: false });
    const delays: number[] = [];
    policy.on('retry', (e) => delays.push(e.delayMs));
    const p = policy.execute(() => {
      throw new Error('x');
    });
    await drive(clock, p, 100, 100_000).catch(() => undefined);
    return delays;
  }

  it("defaults: initialMs 100, multiplier 2, maxMs 10_000 (jitter 'none' shows the raw curve)", async () => {
    expect(await delaysOf(exponentialBackoff({ jitter: 'none' }), 9)).toEqual([100, 200, 400, 800, 1_600, 3_200, 6_400, 10_000, 10_000]);
  });

  it("default jitter is 'full': each delay is uniform in [0, the exponential value]", async () => {
    const delays = await delaysOf(exponentialBackoff(), 8);
    const caps = [100, 200, 400, 800, 1_600, 3_200, 6_400, 10_000];
    delays.forEach((d, i) => {
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThanOrEqual(caps[i]!);
    });
    // Full jitter is random: a long run is not the raw curve.
    expect(delays).not.toEqual(caps);
  });

  it('options: initialMs, maxMs, multiplier', async () => {
    expect(await delaysOf(exponentialBackoff({ initialMs: 10, maxMs: 100, multiplier: 3, jitter: 'none' }), 4)).toEqual([10, 30, 90, 100]);
  });

  it("'decorrelated' jitter stays within [initialMs, maxMs]", async () => {
    const delays = await delaysOf(exponentialBackoff({ jitter: 'decorrelated', initialMs: 50, maxMs: 1_000 }), 10);
    for (const d of delays) {
      expect(d).toBeGreaterThanOrEqual(50);
      expect(d).toBeLessThanOrEqual(1_000);
    }
  });

  it('constantBackoff(ms): the same delay every time', async () => {
    expect(await delaysOf(constantBackoff(250), 3)).toEqual([250, 250, 250]);
  });

  it('validates', () => {
    expect(() => exponentialBackoff({ jitter: 'some' as never })).toThrow(ConfigError);
    expect(() => constantBackoff(-1)).toThrow(ConfigError);
  });
});

describe('retryBudget', () => {
  it('defaults: ratio 0.2, minRetriesPerSecond 10, windowMs 10_000 → 100 retries with no traffic, +0.2 per request', async () => {
    const clock = new ManualClock();
    const budget = retryBudget({ clock });
    const policy = retry({ maxAttempts: 1_000, backoff: constantBackoff(0), budget, clock });
    let calls = 0;
    await expect(
      policy.execute(() => {
        calls++;
        throw new Error('x');
      }),
    ).rejects.toThrow('x');
    // One request: 0.2 × 1 + 10/s × 10 s = 100.2 → 100 retries.
    expect(calls).toBe(101);
  });

  it('ratio caps retries to a share of requests', async () => {
    const clock = new ManualClock();
    const budget = retryBudget({ ratio: 0.5, minRetriesPerSecond: 0, clock });
    const policy = retry({ maxAttempts: 2, backoff: constantBackoff(0), budget, clock });
    let calls = 0;
    for (let i = 0; i < 10; i++)
      await policy
        .execute(() => {
          calls++;
          throw new Error('x');
        })
        .catch(() => undefined);
    // 10 requests, at most 0.5 × requests retries at any time.
    expect(calls).toBeGreaterThanOrEqual(10 + 4);
    expect(calls).toBeLessThanOrEqual(10 + 5);
  });

  it('the window slides: old requests and retries stop counting after windowMs', async () => {
    const clock = new ManualClock();
    const budget = retryBudget({ ratio: 0, minRetriesPerSecond: 1, windowMs: 1_000, clock });
    const policy = retry({ maxAttempts: 10, backoff: constantBackoff(0), budget, clock });
    let calls = 0;
    await policy
      .execute(() => {
        calls++;
        throw new Error('x');
      })
      .catch(() => undefined);
    expect(calls).toBe(2); // 1 retry per 1 s window
    await policy
      .execute(() => {
        calls++;
        throw new Error('x');
      })
      .catch(() => undefined);
    expect(calls).toBe(3); // spent
    clock.advance(2_000);
    await policy
      .execute(() => {
        calls++;
        throw new Error('x');
      })
      .catch(() => undefined);
    expect(calls).toBe(5);
  });

  it('validates', () => {
    expect(() => retryBudget({ ratio: -1 })).toThrow(ConfigError);
    expect(() => retryBudget({ windowMs: 0 })).toThrow(ConfigError);
  });
});
