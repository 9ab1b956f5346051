import { describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../clock.js';
import { ClosedError } from '../errors.js';
import { pipeline } from '../pipeline.js';
import { memoryBreakerStore } from '../store/memory-store.js';
import { timeout } from '../timeout/timeout.js';
import { boom, deferred, flush } from '../test-support/breaker.js';
import { circuitBreaker } from './circuit-breaker.js';
import { consecutiveFailures } from './trip/consecutive-failures.js';

describe('breaker.close()', () => {
  it('new calls reject with ClosedError (BW_CLOSED) without running, in every state; running calls finish', async () => {
    const clock = new ManualClock();
    const breaker = circuitBreaker({ name: 'c', clock, trip: consecutiveFailures(1) });
    const running = deferred<string>();
    const pending = breaker.execute(() => running.promise);
    breaker.close();
    const fn = vi.fn(() => 'x');
    expect(breaker.wouldAdmit()).toBe(false);
    const err = await breaker.execute(fn).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ClosedError);
    expect(err).toMatchObject({ code: 'BW_CLOSED', message: 'circuit "c" is closed' });
    await expect(pipeline(breaker, timeout(100, { clock })).execute(fn)).rejects.toBeInstanceOf(ClosedError);
    await expect(breaker.execute(fn, { signal: new AbortController().signal })).rejects.toBeInstanceOf(ClosedError);
    expect(fn).not.toHaveBeenCalled();
    running.resolve('done');
    await expect(pending).resolves.toBe('done');
    expect(breaker.metrics().inFlight).toBe(0);
  });

  it('dispose() is an alias; close() is idempotent and works on an open breaker', async () => {
    const breaker = circuitBreaker({ name: 'c', clock: new ManualClock(), trip: consecutiveFailures(1) });
    await breaker.execute(boom).catch(() => undefined);
    breaker.dispose();
    breaker.close();
    await expect(breaker.execute(() => 'x')).rejects.toBeInstanceOf(ClosedError);
  });

  it('close() frees the fleet probe lease and clears the probe timer', async () => {
    const clock = new ManualClock();
    const store = memoryBreakerStore();
    const a = circuitBreaker({ name: 'c', clock, store, trip: consecutiveFailures(1), halfOpenAfterMs: 100 });
    const b = circuitBreaker({ name: 'c', clock, store, trip: consecutiveFailures(1), halfOpenAfterMs: 100 });
    await a.execute(boom).catch(() => undefined);
    await flush();
    clock.advance(100);
    void a.execute(() => new Promise(() => {}));
    expect(clock.pendingTimers()).toBe(1);
    a.close();
    expect(clock.pendingTimers()).toBe(0);
    await expect(b.execute(() => 'ok')).resolves.toBe('ok');
    await store.close();
  });
});
