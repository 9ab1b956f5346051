import { describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.js';
import { RateLimitedError } from '../errors.js';
import { rateLimit } from './rate-limit.js';

describe('rateLimit', () => {
  it('allows a burst, then refills lazily at perSecond', async () => {
    const clock = new ManualClock();
    const rl = rateLimit({ perSecond: 10, burst: 3, clock });
    for (let i = 0; i < 3; i++) await expect(rl.execute(() => i)).resolves.toBe(i);
    const err = await rl.execute(() => 'no').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RateLimitedError);
    expect((err as RateLimitedError).retryAfterMs).toBeCloseTo(100);
    expect((err as RateLimitedError).code).toBe('BW_RATE_LIMITED');
    clock.advance(50);
    expect(((await rl.execute(() => 'no').catch((e: unknown) => e)) as RateLimitedError).retryAfterMs).toBeCloseTo(50);
    clock.advance(50);
    await expect(rl.execute(() => 'yes')).resolves.toBe('yes');
    clock.advance(10_000);
    expect(rl.tokens()).toBe(3);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('defaults burst to perSecond (at least 1) and does not count rejected calls', async () => {
    const clock = new ManualClock();
    const rl = rateLimit({ perSecond: 0.5, clock });
    await rl.execute(() => 1);
    await expect(rl.execute(() => 2)).rejects.toBeInstanceOf(RateLimitedError);
    await expect(rl.execute(() => 2)).rejects.toBeInstanceOf(RateLimitedError);
    clock.advance(2000);
    await expect(rl.execute(() => 3)).resolves.toBe(3);
  });

  it('validates its options', () => {
    expect(() => rateLimit({ perSecond: 0 })).toThrow('rateLimit.perSecond: expected a finite number > 0, got 0');
    expect(() => rateLimit({ perSecond: 5, burst: 0.5 })).toThrow('rateLimit.burst');
    expect(() => rateLimit({} as never)).toThrow('rateLimit.perSecond');
  });
});
