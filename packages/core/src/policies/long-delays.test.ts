import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../clock.js';
import { hedge } from '../hedge/hedge.js';
import { constantBackoff } from '../retry/backoff.js';
import { retry } from '../retry/retry.js';
import { timeout } from '../timeout/timeout.js';

// Issue 12.2: every policy on the default (system) clock honours delays above Node's 2^31−1 ms
// timer limit. vitest's fake timers reproduce Node's overflow (a longer delay fires after 1 ms).
const DAY = 86_400_000;

describe('policies on the system clock with delays beyond 2^31−1 ms', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('timeout(Number.MAX_SAFE_INTEGER) does not time out a call that takes 50 ms', async () => {
    const call = timeout(Number.MAX_SAFE_INTEGER).execute(() => new Promise((r) => setTimeout(() => r('ok'), 50)));
    await vi.advanceTimersByTimeAsync(50);
    await expect(call).resolves.toBe('ok');
  });

  it('timeout(30 days) still fires, at 30 days', async () => {
    const call = timeout(30 * DAY).execute(() => new Promise(() => {}));
    const seen = call.catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(29 * DAY);
    let settled = false;
    void seen.then(() => {
      settled = true;
    });
    await Promise.resolve();
    expect(settled).toBe(false);
    // The real-clock timeout fires between ms and ms + 10 % (tick queue).
    await vi.advanceTimersByTimeAsync(4 * DAY);
    expect(await seen).toMatchObject({ code: 'BW_TIMEOUT' });
  });

  it('constantBackoff(2 ** 31) waits, it does not retry at once', async () => {
    let calls = 0;
    const call = retry({ maxAttempts: 2, backoff: constantBackoff(2 ** 31) }).execute(() => {
      calls++;
      throw new Error('x');
    });
    const seen = call.catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(1000);
    expect(calls).toBe(1);
    await vi.advanceTimersByTimeAsync(2 ** 31);
    expect(calls).toBe(2);
    expect(await seen).toMatchObject({ message: 'x' });
  });

  it('a Retry-After of 35 days with maxRetryAfterMs: Infinity waits 35 days', async () => {
    let calls = 0;
    const call = retry({ maxAttempts: 2, maxRetryAfterMs: Infinity }).execute(() => {
      calls++;
      if (calls === 1) throw Object.assign(new Error('busy'), { retryAfterMs: 35 * DAY });
      return 'done';
    });
    await vi.advanceTimersByTimeAsync(DAY);
    expect(calls).toBe(1);
    await vi.advanceTimersByTimeAsync(34 * DAY);
    await expect(call).resolves.toBe('done');
    expect(calls).toBe(2);
  });

  it('hedge({ delayMs: 3e9 }) does not hedge at once', async () => {
    let attempts = 0;
    const call = hedge({ delayMs: 3e9 }).execute(() => {
      attempts++;
      return new Promise((r) => setTimeout(() => r('ok'), 100));
    });
    await vi.advanceTimersByTimeAsync(100);
    await expect(call).resolves.toBe('ok');
    expect(attempts).toBe(1);
  });
});

describe('a retry hint beyond maxRetryAfterMs ends retrying', () => {
  it('default maxRetryAfterMs (30 s): a 35-day Retry-After rethrows at once, no timer left', async () => {
    const clock = new ManualClock();
    let calls = 0;
    const error = Object.assign(new Error('busy'), { retryAfterMs: 35 * DAY });
    await expect(
      retry({ maxAttempts: 3, clock }).execute(() => {
        calls++;
        throw error;
      }),
    ).rejects.toBe(error);
    expect(calls).toBe(1);
    expect(clock.pendingTimers()).toBe(0);
  });
});
