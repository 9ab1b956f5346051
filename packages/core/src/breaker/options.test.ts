import { describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.js';
import { ConfigError } from '../errors.js';
import { circuitBreaker } from './circuit-breaker.js';
import { consecutiveFailures } from './trip/consecutive-failures.js';
import { failureRate } from './trip/failure-rate.js';
import { predictive } from './trip/predictive.js';
import { MAX_COUNT } from '../kernel/options.js';

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('circuitBreaker option validation', () => {
  const cases: Array<[string, Record<string, unknown>, string, RegExp]> = [
    ['missing name', {}, 'circuitBreaker.name', /expected a non-empty string, got undefined/],
    ['empty name', { name: '' }, 'circuitBreaker.name', /got ""/],
    [
      'negative halfOpenAfterMs',
      { name: 'x', halfOpenAfterMs: -1 },
      'circuitBreaker.halfOpenAfterMs',
      /expected a finite number ≥ 0, got -1/,
    ],
    ['string halfOpenAfterMs', { name: 'x', halfOpenAfterMs: '30s' }, 'circuitBreaker.halfOpenAfterMs', /got "30s"/],
    ['NaN halfOpenAfterMs', { name: 'x', halfOpenAfterMs: Number.NaN }, 'circuitBreaker.halfOpenAfterMs', /got NaN/],
    ['bad trip', { name: 'x', trip: 5 }, 'circuitBreaker.trip', /expected a trip strategy/],
    ['bad halfOpen', { name: 'x', halfOpen: 3 }, 'circuitBreaker.halfOpen', /expected an object, got 3/],
    [
      'zero maxProbes',
      { name: 'x', halfOpen: { maxProbes: 0 } },
      'circuitBreaker.halfOpen.maxProbes',
      /expected an integer ≥ 1, got 0/,
    ],
    [
      'fractional successesToClose',
      { name: 'x', halfOpen: { successesToClose: 1.5 } },
      'circuitBreaker.halfOpen.successesToClose',
      /got 1.5/,
    ],
    [
      'zero probeTimeoutMs',
      { name: 'x', halfOpen: { probeTimeoutMs: 0 } },
      'circuitBreaker.halfOpen.probeTimeoutMs',
      /expected a finite number > 0/,
    ],
    [
      'slowCall without rate',
      { name: 'x', slowCall: { thresholdMs: 100 } },
      'circuitBreaker.slowCall.rateThreshold',
      /expected a number in \(0, 1\]/,
    ],
    [
      'slowCall percentage',
      { name: 'x', slowCall: { thresholdMs: 100, rateThreshold: 50 } },
      'circuitBreaker.slowCall.rateThreshold',
      /got 50/,
    ],
    [
      'slowCall negative',
      { name: 'x', slowCall: { thresholdMs: -5, rateThreshold: 0.5 } },
      'circuitBreaker.slowCall.thresholdMs',
      /got -5/,
    ],
    [
      'bad mode',
      { name: 'x', mode: 'dry-run' },
      'circuitBreaker.mode',
      /expected 'enforce' or 'shadow', got "dry-run"/,
    ],
    ['bad isFailure', { name: 'x', isFailure: true }, 'circuitBreaker.isFailure', /expected a function/],
    [
      'bad isResultFailure',
      { name: 'x', isResultFailure: 'status>=500' },
      'circuitBreaker.isResultFailure',
      /expected a function/,
    ],
    ['bad store', { name: 'x', store: {} }, 'circuitBreaker.store', /expected a BreakerStore/],
    ['bad clock', { name: 'x', clock: Date }, 'circuitBreaker.clock', /expected a Clock/],
  ];

  it.each(cases)('%s', (_label, options, path, message) => {
    const err = configError(() => circuitBreaker(options as never));
    expect(err.path).toBe(path);
    expect(err.code).toBe('BW_CONFIG');
    expect(err.message).toMatch(message);
    expect(err.message.startsWith(`${path}: `)).toBe(true);
  });

  it('rejects a non-object', () => {
    expect(configError(() => circuitBreaker(undefined as never)).path).toBe('circuitBreaker');
  });

  it('applies documented defaults', () => {
    const b = circuitBreaker({ name: 'd' });
    expect(b.halfOpenAfterMs).toBe(30_000);
    expect(b.probeTimeoutMs).toBe(30_000);
    expect(b.state).toBe('closed');
    expect(b.generation).toBe(0);
    expect(b.inspectTrip()).toMatchObject({ kind: 'consecutiveFailures', threshold: 5 });
  });
});

describe('size and count options are bounded at construction', () => {
  const HUGE = Number.MAX_SAFE_INTEGER;
  const cases: Array<[string, () => unknown, string]> = [
    [
      'halfOpen.maxProbes',
      () => circuitBreaker({ name: 'x', halfOpen: { maxProbes: HUGE } }),
      'circuitBreaker.halfOpen.maxProbes',
    ],
    [
      'halfOpen.successesToClose',
      () => circuitBreaker({ name: 'x', halfOpen: { successesToClose: HUGE } }),
      'circuitBreaker.halfOpen.successesToClose',
    ],
    ['consecutiveFailures n', () => consecutiveFailures(HUGE), 'consecutiveFailures.n'],
    [
      'failureRate count window',
      () => failureRate({ threshold: 0.5, minimumRequests: 1, window: { kind: 'count', size: HUGE } }),
      'failureRate.window.size',
    ],
    [
      'failureRate minimumRequests',
      () => failureRate({ threshold: 0.5, minimumRequests: HUGE, window: { kind: 'time', ms: 1_000 } }),
      'failureRate.minimumRequests',
    ],
    [
      'failureRate buckets',
      () => failureRate({ threshold: 0.5, minimumRequests: 1, window: { kind: 'time', ms: 1_000, buckets: 10_001 } }),
      'failureRate.window.buckets',
    ],
    ['predictive windowSize', () => predictive({ windowSize: HUGE }), 'predictive.windowSize'],
    ['predictive warmup', () => predictive({ warmup: HUGE }), 'predictive.warmup'],
  ];
  it.each(cases)('%s', (_, make, path) => {
    const err = (() => {
      try {
        make();
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(ConfigError);
    expect(err).toMatchObject({ path });
    expect((err as Error).message).toMatch(/expected an integer from \d+ to [\d,]+/);
  });

  it('the bound itself is accepted, and a breaker with the largest maxProbes probes in O(1)', async () => {
    const clock = new ManualClock();
    const breaker = circuitBreaker({
      name: 'x',
      clock,
      trip: consecutiveFailures(1),
      halfOpenAfterMs: 10,
      halfOpen: { maxProbes: MAX_COUNT, successesToClose: MAX_COUNT },
    });
    await breaker
      .execute(() => {
        throw new Error('x');
      })
      .catch(() => undefined);
    clock.advance(10);
    const hung = Array.from({ length: 1_000 }, () => breaker.execute(() => new Promise(() => {})));
    expect(breaker.state).toBe('half-open');
    expect(breaker.metrics().inFlight).toBe(1_000);
    expect(breaker.wouldAdmit()).toBe(true);
    void hung;
    expect(() => consecutiveFailures(MAX_COUNT)).not.toThrow();
  });
});
