import { describe, expect, it } from 'vitest';
import { TimeoutError } from '../errors.js';
import { timeout } from './timeout.js';

describe('timeout on the real clock', () => {
  it('rejects a hanging call after ms (never early), aborts its signal and leaves no timer keeping the process alive', async () => {
    const t = timeout(40);
    const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timers();
    let signal: AbortSignal | undefined;
    const started = performance.now();
    const err = await t
      .execute((ctx) => {
        signal = ctx.signal;
        return new Promise<never>(() => {});
      })
      .catch((e: unknown) => e);
    const elapsed = performance.now() - started;
    expect(err).toBeInstanceOf(TimeoutError);
    expect(signal?.aborted).toBe(true);
    expect(elapsed).toBeGreaterThanOrEqual(39); // timer granularity: Node may round by < 1 ms
    expect(elapsed).toBeLessThan(1000);
    await expect(t.execute(async () => 'fast')).resolves.toBe('fast');
    expect(timers()).toBeLessThanOrEqual(before);
  });
});
