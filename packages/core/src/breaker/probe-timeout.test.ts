import { describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.js';
import { circuitBreaker } from './circuit-breaker.js';
import { consecutiveFailures } from './trip/consecutive-failures.js';
import { boom, deferred, flush } from '../test-support/breaker.js';

describe('probe timeout with several probes', () => {
  it('when the probe that armed the timer settled, the timer re-arms for the next one and fails the round at its expiry', async () => {
    const clock = new ManualClock();
    const breaker = circuitBreaker({
      name: 'svc',
      trip: consecutiveFailures(1),
      halfOpenAfterMs: 1_000,
      halfOpen: { maxProbes: 2, successesToClose: 2, probeTimeoutMs: 50 },
      clock,
    });
    await breaker.execute(boom).catch(() => undefined);
    clock.advance(1_000);
    const first = deferred<string>();
    const p1 = breaker.execute(() => first.promise); // t = 1000: the timer is armed for 1050
    clock.advance(20);
    void breaker.execute(() => new Promise<never>(() => {})); // t = 1020: hangs, expires at 1070
    first.resolve('ok');
    await p1;
    await flush();
    clock.advance(30); // t = 1050: the timer fires, nothing has expired yet: re-armed
    expect(breaker.state).toBe('half-open');
    clock.advance(20); // t = 1070
    expect(breaker.state).toBe('open');
  });
});
