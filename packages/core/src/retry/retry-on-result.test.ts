import { describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.js';
import { ConfigError } from '../errors.js';
import { constantBackoff } from './backoff.js';
import { retry } from './retry.js';

// Issue 13.3: retry on results, not only errors.
const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('retry({ retryOnResult })', () => {
  it('retries a value the predicate rejects and returns the first accepted one', async () => {
    const clock = new ManualClock();
    const values = [{ status: 503 }, { status: 502 }, { status: 200 }];
    let calls = 0;
    const attempts: number[] = [];
    const policy = retry({
      maxAttempts: 3,
      backoff: constantBackoff(0),
      clock,
      retryOnResult: (v, attempt) => {
        attempts.push(attempt);
        return (v as { status: number }).status >= 500;
      },
    });
    await expect(policy.execute(() => values[calls++])).resolves.toEqual({ status: 200 });
    expect(calls).toBe(3);
    expect(attempts).toEqual([1, 2, 3]);
  });

  it('when attempts run out the last value is returned, not thrown, and giveUp reports it', async () => {
    const clock = new ManualClock();
    let calls = 0;
    const policy = retry({ maxAttempts: 2, backoff: constantBackoff(0), clock, retryOnResult: () => true });
    const gaveUp: unknown[] = [];
    policy.on('giveUp', (e) => gaveUp.push(e.value));
    await expect(policy.execute(() => ({ n: ++calls }))).resolves.toEqual({ n: 2 });
    expect(gaveUp).toEqual([{ n: 2 }]);
  });

  it('honours Retry-After of a returned Response and cancels the discarded body', async () => {
    const clock = new ManualClock();
    const first = new Response('busy', { status: 503, headers: { 'retry-after': '2' } });
    let calls = 0;
    const policy = retry({ maxAttempts: 3, clock, retryOnResult: (r) => (r as Response).status === 503 });
    const delays: number[] = [];
    policy.on('retry', (e) => delays.push(e.delayMs));
    const call = policy.execute(() => (++calls === 1 ? first : new Response('ok')));
    await flush();
    expect(calls).toBe(1);
    expect(delays).toEqual([2000]);
    clock.advance(1999);
    await flush();
    expect(calls).toBe(1);
    clock.advance(1);
    const res = await call;
    expect(calls).toBe(2);
    expect(await res.text()).toBe('ok');
    // The 503's body was released (cancelled), so its connection would be freed.
    await expect(first.text()).rejects.toThrow();
  });

  it('errors still go through retryOn; a throwing predicate counts as "no"', async () => {
    const clock = new ManualClock();
    let calls = 0;
    const policy = retry({
      maxAttempts: 3,
      backoff: constantBackoff(0),
      clock,
      retryOnResult: () => {
        throw new Error('bad predicate');
      },
    });
    await expect(
      policy.execute(() => {
        calls++;
        if (calls === 1) throw new Error('x');
        return 'v';
      }),
    ).resolves.toBe('v');
    expect(calls).toBe(2);
  });

  it('validates the option', () => {
    expect(() => retry({ retryOnResult: 'yes' as never })).toThrow(ConfigError);
  });
});
