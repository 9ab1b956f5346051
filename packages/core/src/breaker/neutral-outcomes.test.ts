import { describe, expect, it } from 'vitest';
import { bulkhead } from '../bulkhead/bulkhead.js';
import { ManualClock } from '../clock.js';
import {
  BrokenCircuitError,
  BulkheadRejectedError,
  ClosedError,
  IsolatedCircuitError,
  NoHealthyEndpointError,
  RateLimitedError,
  SaturatedError,
  TimeoutError,
} from '../errors.js';
import { pipeline } from '../pipeline.js';
import { rateLimit } from '../rate-limit/rate-limit.js';
import { deferred, flush } from '../test-support/breaker.js';
import { circuitBreaker } from './circuit-breaker.js';
import { consecutiveFailures } from './trip/consecutive-failures.js';
import { failureRate } from './trip/failure-rate.js';

const localError = (code: string): Error => Object.assign(new Error(`connect ${code}`), { code, syscall: 'connect' });
const REJECTIONS: Array<[string, () => unknown]> = [
  ['BW_BULKHEAD_FULL', () => new BulkheadRejectedError(1, 0)],
  ['BW_RATE_LIMITED', () => new RateLimitedError(10)],
  ['BW_SATURATED', () => new SaturatedError('queue full')],
  ['BW_CIRCUIT_OPEN', () => new BrokenCircuitError('inner')],
  ['BW_CIRCUIT_ISOLATED', () => new IsolatedCircuitError('inner')],
  ['BW_CLOSED', () => new ClosedError('balancer "api"')],
  ['BW_NO_ENDPOINT', () => new NoHealthyEndpointError('open')],
  ['EMFILE', () => localError('EMFILE')],
  ['ENFILE', () => localError('ENFILE')],
  ['ENOBUFS', () => localError('ENOBUFS')],
  ['EADDRNOTAVAIL', () => localError('EADDRNOTAVAIL')],
  ['fetch failed ← ENOMEM', () => new TypeError('fetch failed', { cause: localError('ENOMEM') })],
];

describe('outcomes an outer breaker ignores (inner rejections, local resource errors)', () => {
  it.each(REJECTIONS)(
    '%s in closed state: no success, no failure, no window entry, counted in ignored',
    async (_, make) => {
      const clock = new ManualClock();
      const breaker = circuitBreaker({ name: 'outer', clock, trip: consecutiveFailures(2) });
      const events: string[] = [];
      breaker.on('success', () => events.push('success'));
      breaker.on('failure', () => events.push('failure'));
      await breaker
        .execute(() => {
          throw new Error('upstream');
        })
        .catch(() => undefined);
      for (let i = 0; i < 3; i++) await expect(breaker.execute(() => Promise.reject(make()))).rejects.toBeDefined();
      // A rejection between two failures does not reset the consecutive count: the second failure trips.
      await breaker
        .execute(() => {
          throw new Error('upstream');
        })
        .catch(() => undefined);
      expect(breaker.state).toBe('open');
      const m = breaker.metrics();
      expect(m).toMatchObject({ successes: 0, failures: 2, ignored: 3, requests: 2 });
      expect(m.requests).toBe(m.successes + m.failures + m.rejected);
      expect(events).toEqual(['failure', 'failure']);
    },
  );

  it('a synchronous throw on the fast path is ignored the same way', async () => {
    const breaker = circuitBreaker({ name: 'outer', clock: new ManualClock() });
    await expect(
      breaker.execute(() => {
        throw new SaturatedError('wait timeout');
      }),
    ).rejects.toBeInstanceOf(SaturatedError);
    await expect(
      breaker.execute(() => {
        throw localError('EMFILE');
      }),
    ).rejects.toThrow('EMFILE');
    expect(breaker.metrics()).toMatchObject({ successes: 0, failures: 0, ignored: 2, requests: 0 });
  });

  it('rejections do not dilute the failure rate: an overloaded dependency behind a full bulkhead still trips', async () => {
    const clock = new ManualClock();
    const breaker = circuitBreaker({
      name: 'outer',
      clock,
      trip: failureRate({ threshold: 0.5, minimumRequests: 4, window: { kind: 'count', size: 10 } }),
    });
    const policy = pipeline(breaker, bulkhead({ maxConcurrent: 1 }));
    for (let i = 0; i < 4; i++) {
      const slow = deferred<never>();
      const first = policy.execute(() => slow.promise).catch((e: unknown) => e);
      // Three calls bounce off the bulkhead while the first one is running.
      for (let j = 0; j < 3; j++) await expect(policy.execute(() => 'x')).rejects.toBeInstanceOf(BulkheadRejectedError);
      slow.reject(new Error('upstream 503'));
      await first;
    }
    expect(breaker.metrics()).toMatchObject({ failures: 4, successes: 0, ignored: 12 });
    expect(breaker.state).toBe('open');
  });

  it('pipeline(breaker, rateLimit): rate-limited calls are ignored', async () => {
    const clock = new ManualClock();
    const breaker = circuitBreaker({ name: 'outer', clock });
    const policy = pipeline(breaker, rateLimit({ perSecond: 1, burst: 1, clock }));
    await policy.execute(() => 'ok');
    await expect(policy.execute(() => 'ok')).rejects.toBeInstanceOf(RateLimitedError);
    expect(breaker.metrics()).toMatchObject({ successes: 1, ignored: 1, requests: 1 });
  });

  it('a rejection of another installed copy of Breakwater (brand + code) is ignored too; a look-alike without the brand is not', async () => {
    const breaker = circuitBreaker({ name: 'outer', clock: new ManualClock() });
    const foreign = Object.assign(new Error('bulkhead full'), {
      code: 'BW_BULKHEAD_FULL',
      [Symbol.for('breakwater.error')]: true,
    });
    const lookAlike = Object.assign(new Error('bulkhead full'), { code: 'BW_BULKHEAD_FULL' });
    await breaker.execute(() => Promise.reject(foreign)).catch(() => undefined);
    await breaker.execute(() => Promise.reject(lookAlike)).catch(() => undefined);
    expect(breaker.metrics()).toMatchObject({ ignored: 1, failures: 1 });
  });

  it('a TimeoutError still counts as a failure and a timeout', async () => {
    const breaker = circuitBreaker({ name: 'outer', clock: new ManualClock(), trip: consecutiveFailures(1) });
    await expect(breaker.execute(() => Promise.reject(new TimeoutError(10)))).rejects.toBeInstanceOf(TimeoutError);
    expect(breaker.metrics()).toMatchObject({ failures: 1, timeouts: 1, ignored: 0 });
    expect(breaker.state).toBe('open');
  });

  it('an explicit isFailure that accepts a rejection or EMFILE counts it; one that declines a plain error makes it a success', async () => {
    const strict = circuitBreaker({ name: 's', clock: new ManualClock(), isFailure: () => true });
    await strict.execute(() => Promise.reject(new BulkheadRejectedError(1, 0))).catch(() => undefined);
    await strict.execute(() => Promise.reject(localError('EMFILE'))).catch(() => undefined);
    expect(strict.metrics()).toMatchObject({ failures: 2, ignored: 0 });
    const lenient = circuitBreaker({ name: 'l', clock: new ManualClock(), isFailure: () => false });
    await lenient.execute(() => Promise.reject(new Error('404'))).catch(() => undefined);
    await lenient.execute(() => Promise.reject(new BulkheadRejectedError(1, 0))).catch(() => undefined);
    expect(lenient.metrics()).toMatchObject({ successes: 1, failures: 0, ignored: 1 });
  });

  it('in half-open, an ignored outcome frees the probe slot without a verdict', async () => {
    const clock = new ManualClock();
    const breaker = circuitBreaker({ name: 'outer', clock, trip: consecutiveFailures(1), halfOpenAfterMs: 100 });
    await breaker
      .execute(() => {
        throw new Error('x');
      })
      .catch(() => undefined);
    clock.advance(100);
    await breaker.execute(() => Promise.reject(localError('EADDRNOTAVAIL'))).catch(() => undefined);
    await flush();
    expect(breaker.state).toBe('half-open');
    await breaker.execute(() => 'ok');
    expect(breaker.state).toBe('closed');
  });
});
