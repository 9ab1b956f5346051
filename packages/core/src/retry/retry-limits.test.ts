import { describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.js';
import { ConfigError } from '../errors.js';
import { constantBackoff } from './backoff.js';
import { retry } from './retry.js';

// Issue 12.8: zero-delay retries must not starve the event loop, and maxAttempts is bounded.
describe('retry with no delay yields to the event loop', () => {
  it('a setImmediate queued before the call runs between attempts, not after all of them (system clock)', async () => {
    let calls = 0;
    let callsWhenImmediateRan = -1;
    setImmediate(() => {
      callsWhenImmediateRan = calls;
    });
    const timersBefore = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const policy = retry({ maxAttempts: 1000, backoff: constantBackoff(0) });
    await expect(
      policy.execute(() => {
        calls++;
        throw new Error('sync failure');
      }),
    ).rejects.toThrow('sync failure');
    expect(calls).toBe(1000);
    expect(callsWhenImmediateRan).toBeGreaterThan(0);
    expect(callsWhenImmediateRan).toBeLessThan(5);
    // setImmediate, not setTimeout(0) (which would cost ≥ 1 ms per attempt).
    expect(process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length).toBeLessThanOrEqual(timersBefore);
  });

  it('on a ManualClock the yield is a microtask: deterministic, no advance() or real turn needed', async () => {
    const clock = new ManualClock();
    let calls = 0;
    const call = retry({ maxAttempts: 3, backoff: constantBackoff(0), clock }).execute(() => {
      if (++calls < 3) throw new Error('x');
      return 'ok';
    });
    for (let i = 0; i < 20; i++) await Promise.resolve();
    expect(calls).toBe(3);
    await expect(call).resolves.toBe('ok');
    expect(clock.pendingTimers()).toBe(0);
  });

  it("uses the clock's setImmediate when it has one", async () => {
    const clock = new ManualClock();
    let yields = 0;
    Object.assign(clock, {
      setImmediate: (fn: () => void) => {
        yields++;
        setImmediate(fn);
      },
    });
    let calls = 0;
    await retry({ maxAttempts: 3, backoff: constantBackoff(0), clock }).execute(() => {
      if (++calls < 3) throw new Error('x');
      return 'ok';
    });
    expect(yields).toBe(2);
  });

  it('a caller abort during the yield stops retrying', async () => {
    const clock = new ManualClock();
    const ac = new AbortController();
    let calls = 0;
    const call = retry({ maxAttempts: 10, backoff: constantBackoff(0), clock }).execute(
      (ctx) => {
        calls++;
        void ctx.signal;
        ac.abort(new Error('gone'));
        throw new Error('x');
      },
      { signal: ac.signal },
    );
    await expect(call).rejects.toThrow('gone');
    expect(calls).toBe(1);
  });
});

describe('retry maxAttempts is bounded', () => {
  it('accepts up to 1000 and rejects more with a ConfigError naming the field', () => {
    expect(() => retry({ maxAttempts: 1000 })).not.toThrow();
    let error: unknown;
    try {
      retry({ maxAttempts: 2e6 });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).path).toBe('retry.maxAttempts');
    expect((error as ConfigError).message).toContain('≤ 1000');
  });
});
