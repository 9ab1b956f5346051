import { describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.js';
import {
  BrokenCircuitError,
  BulkheadRejectedError,
  ConfigError,
  IsolatedCircuitError,
  TimeoutError,
} from '../errors.js';
import { constantBackoff } from './backoff.js';
import { retryBudget } from './budget.js';
import { retry, type RetryEvent } from './retry.js';

const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('retry', () => {
  it('retries until success, numbering attempts and retry events', async () => {
    const clock = new ManualClock();
    const policy = retry({ maxAttempts: 3, backoff: constantBackoff(50), clock });
    const events: RetryEvent[] = [];
    policy.on('retry', (e) => events.push(e));
    const attempts: number[] = [];
    const p = policy.execute((ctx) => {
      attempts.push(ctx.attempt);
      if (ctx.attempt < 2) throw new Error(`fail ${ctx.attempt}`);
      return 'ok';
    });
    await flush();
    expect(attempts).toEqual([0]);
    clock.advance(49);
    await flush();
    expect(attempts).toEqual([0]);
    clock.advance(1);
    await flush();
    expect(attempts).toEqual([0, 1]);
    clock.advance(50);
    await expect(p).resolves.toBe('ok');
    expect(attempts).toEqual([0, 1, 2]);
    expect(events.map((e) => [e.attempt, e.delayMs, (e.error as Error).message])).toEqual([
      [1, 50, 'fail 0'],
      [2, 50, 'fail 1'],
    ]);
  });

  it('rejects with the last error once maxAttempts are used', async () => {
    let n = 0;
    const policy = retry({ maxAttempts: 4, backoff: constantBackoff(0) });
    await expect(
      policy.execute(() => {
        n++;
        throw new Error(`e${n}`);
      }),
    ).rejects.toThrow('e4');
    expect(n).toBe(4);
  });

  it('maxAttempts 1 makes a single attempt', async () => {
    let n = 0;
    await expect(
      retry({ maxAttempts: 1 }).execute(() => {
        n++;
        throw new Error('x');
      }),
    ).rejects.toThrow('x');
    expect(n).toBe(1);
  });

  it.each([
    ['open breaker', new BrokenCircuitError('b', undefined, 10)],
    ['isolated breaker', new IsolatedCircuitError('b')],
    ['full bulkhead', new BulkheadRejectedError(1, 0)],
  ])('does not retry a local rejection by default (%s)', async (_name, error) => {
    let n = 0;
    await expect(
      retry({ backoff: constantBackoff(0) }).execute(() => {
        n++;
        throw error;
      }),
    ).rejects.toBe(error);
    expect(n).toBe(1);
  });

  it('retries TimeoutError by default and honours a custom retryOn with retry numbers', async () => {
    let n = 0;
    await expect(
      retry({ backoff: constantBackoff(0) }).execute(() => {
        if (n++ === 0) throw new TimeoutError(5);
        return n;
      }),
    ).resolves.toBe(2);
    const seen: number[] = [];
    const policy = retry({
      maxAttempts: 5,
      backoff: constantBackoff(0),
      retryOn: (_e, attempt) => {
        seen.push(attempt);
        return attempt < 3;
      },
    });
    await expect(
      policy.execute(() => {
        throw new Error('no');
      }),
    ).rejects.toThrow('no');
    expect(seen).toEqual([1, 2, 3]);
  });

  it('a throwing retryOn stops retrying and keeps the original error', async () => {
    const error = new Error('original');
    await expect(
      retry({
        retryOn: () => {
          throw new Error('predicate');
        },
      }).execute(() => {
        throw error;
      }),
    ).rejects.toBe(error);
  });

  it('uses error.retryAfterMs and Retry-After headers as the next delay', async () => {
    const clock = new ManualClock();
    const policy = retry({ maxAttempts: 3, backoff: constantBackoff(1), clock });
    const delays: number[] = [];
    policy.on('retry', (e) => delays.push(e.delayMs));
    let n = 0;
    const p = policy.execute(() => {
      n++;
      if (n === 1) throw Object.assign(new Error('slow down'), { retryAfterMs: 700 });
      if (n === 2)
        throw Object.assign(new Error('429'), { response: { status: 429, headers: { 'Retry-After': '2' } } });
      return 'done';
    });
    await flush();
    clock.advance(699);
    await flush();
    expect(n).toBe(1);
    clock.advance(1);
    await flush();
    expect(n).toBe(2);
    clock.advance(2000);
    await expect(p).resolves.toBe('done');
    expect(delays).toEqual([700, 2000]);
  });

  it('ignores Retry-After when respectRetryAfter is false, and gives up when the hint exceeds maxRetryAfterMs', async () => {
    const delays: number[] = [];
    const p1 = retry({ backoff: constantBackoff(0), respectRetryAfter: false });
    p1.on('retry', (e) => delays.push(e.delayMs));
    let n = 0;
    await expect(
      p1.execute(() => {
        if (n++ === 0) throw Object.assign(new Error('x'), { retryAfterMs: 5000 });
        return n;
      }),
    ).resolves.toBe(2);
    expect(delays).toEqual([0]);
    let m = 0;
    const error = Object.assign(new Error('later'), { retryAfterMs: 60_000 });
    await expect(
      retry({ maxRetryAfterMs: 1000 }).execute(() => {
        m++;
        throw error;
      }),
    ).rejects.toBe(error);
    expect(m).toBe(1);
  });

  it('reads Retry-After from fetch-style Headers and HTTP dates, and never retries marked errors', async () => {
    const { retryAfterMsOf } = await import('./retry-after.js');
    const { markNonRetryable } = await import('../kernel/non-retryable.js');
    const response = { status: 503, headers: new Headers({ 'retry-after': '3' }) };
    expect(retryAfterMsOf(Object.assign(new Error('x'), { response }))).toBe(3000);
    const at = new Date(Date.UTC(2030, 0, 1, 0, 0, 10)).toUTCString();
    expect(
      retryAfterMsOf({ meta: { response: { status: 429, headers: { 'retry-after': at } } } }, () =>
        Date.UTC(2030, 0, 1),
      ),
    ).toBe(10_000);
    expect(retryAfterMsOf({ response: { status: 503, headers: { 'retry-after': 'soon' } } })).toBeUndefined();
    expect(retryAfterMsOf(new Error('plain'))).toBeUndefined();
    expect(retryAfterMsOf(Object.assign(new Error('custom'), { headers: { 'Retry-After': '1' } }))).toBe(1000);
    let n = 0;
    const marked = markNonRetryable(new Error('POST failed'));
    await expect(
      retry({ backoff: constantBackoff(0), retryOn: () => true }).execute(() => {
        n++;
        throw marked;
      }),
    ).rejects.toBe(marked);
    expect(n).toBe(1);
  });

  it('a caller abort during the backoff wait rejects at once, clears the timer and stops retrying', async () => {
    const clock = new ManualClock();
    const ac = new AbortController();
    let n = 0;
    const p = retry({ backoff: constantBackoff(1000), clock }).execute(
      () => {
        n++;
        throw new Error('x');
      },
      { signal: ac.signal },
    );
    await flush();
    expect(clock.pendingTimers()).toBe(1);
    const reason = new Error('caller gave up');
    ac.abort(reason);
    await expect(p).rejects.toBe(reason);
    await flush();
    expect(clock.pendingTimers()).toBe(0);
    clock.advance(5000);
    await flush();
    expect(n).toBe(1);
  });

  it('never retries once the caller aborted', async () => {
    const ac = new AbortController();
    let n = 0;
    const p = retry({ backoff: constantBackoff(0) }).execute(
      async () => {
        n++;
        ac.abort(new Error('stop'));
        throw new Error('x');
      },
      { signal: ac.signal },
    );
    await expect(p).rejects.toThrow('stop');
    await flush();
    expect(n).toBe(1);
  });

  it('stops retrying when the budget is spent', async () => {
    const clock = new ManualClock();
    const budget = retryBudget({ ratio: 0, minRetriesPerSecond: 0.2, windowMs: 10_000, clock }); // 2 retries per window
    const policy = retry({ maxAttempts: 10, backoff: constantBackoff(0), budget, clock });
    let n = 0;
    await expect(
      policy.execute(() => {
        n++;
        throw new Error('x');
      }),
    ).rejects.toThrow('x');
    expect(n).toBe(3);
    expect(budget.stats()).toMatchObject({ requests: 1, retries: 2, available: 0 });
  });

  it('validates its options', () => {
    expect(() => retry({ maxAttempts: 0 })).toThrow(ConfigError);
    expect(() => retry({ maxAttempts: 0 })).toThrow('retry.maxAttempts: expected an integer ≥ 1, got 0');
    expect(() => retry({ maxAttempts: 1.5 })).toThrow('retry.maxAttempts');
    expect(() => retry({ retryOn: 'yes' as never })).toThrow('retry.retryOn: expected a function, got "yes"');
    expect(() => retry({ backoff: 100 as never })).toThrow('retry.backoff');
    expect(() => retry({ maxRetryAfterMs: -1 })).toThrow('retry.maxRetryAfterMs');
    expect(() => retry({ clock: {} as never })).toThrow('retry.clock');
    try {
      retry({ maxAttempts: -2 });
    } catch (e) {
      expect((e as ConfigError).path).toBe('retry.maxAttempts');
      expect((e as ConfigError).code).toBe('BW_CONFIG');
    }
  });
});
