import { describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.js';
import { BulkheadRejectedError, TimeoutError } from '../errors.js';
import { circuitBreaker } from './circuit-breaker.js';
import { consecutiveFailures } from './trip/consecutive-failures.js';

describe('metrics().lastFailure', () => {
  it('holds the latest failure and when it was counted; ignored, cancelled and successful calls leave it', async () => {
    const clock = new ManualClock(1_000);
    const breaker = circuitBreaker({
      name: 'l',
      clock,
      trip: consecutiveFailures(10),
      isResultFailure: (r) => r === 503,
    });
    expect(breaker.metrics().lastFailure).toBeUndefined();
    const first = new Error('first');
    await breaker.execute(() => Promise.reject(first)).catch(() => undefined);
    expect(breaker.metrics().lastFailure).toEqual({ error: first, at: 1_000 });
    clock.advance(250);
    const timedOut = new TimeoutError(5);
    await breaker
      .execute(() => {
        throw timedOut;
      })
      .catch(() => undefined);
    expect(breaker.metrics().lastFailure).toEqual({ error: timedOut, at: 1_250 });
    clock.advance(250);
    await breaker.execute(() => 'ok');
    await breaker.execute(() => Promise.reject(new BulkheadRejectedError(1, 0))).catch(() => undefined);
    const ac = new AbortController();
    const cancelled = breaker.execute(
      ({ signal }) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted')))),
      {
        signal: ac.signal,
      },
    );
    ac.abort();
    await cancelled.catch(() => undefined);
    expect(breaker.metrics().lastFailure).toEqual({ error: timedOut, at: 1_250 });
    // A result that isResultFailure flags is the "error" of that failure.
    await expect(breaker.execute(() => 503)).resolves.toBe(503);
    expect(breaker.metrics().lastFailure).toEqual({ error: 503, at: 1_500 });
  });

  it('is timed with the clock also on the timed path (slowCall)', async () => {
    const clock = new ManualClock(0);
    const breaker = circuitBreaker({ name: 'l', clock, slowCall: { thresholdMs: 100, rateThreshold: 1 } });
    const p = breaker.execute(() => new Promise((_, reject) => setTimeout(() => reject(new Error('late')), 0)));
    clock.advance(40);
    await p.catch(() => undefined);
    expect(breaker.metrics().lastFailure).toMatchObject({ at: 40 });
  });
});
