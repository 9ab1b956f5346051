import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { bulkhead } from '../bulkhead/bulkhead.js';
import { circuitBreaker } from '../breaker/index.js';
import { failureRate, predictive } from '../breaker/index.js';
import { cacheFallback } from '../fallback/cache-fallback.js';
import { fallback } from '../fallback/fallback.js';
import { hedge } from '../hedge/hedge.js';
import { rateLimit } from '../rate-limit/rate-limit.js';
import { constantBackoff, exponentialBackoff } from '../retry/backoff.js';
import { retryBudget } from '../retry/budget.js';
import { retry } from '../retry/retry.js';
import { timeout } from '../timeout/timeout.js';
import { checkKnownKeys, suggestKey } from './options.js';

function configError(f: () => unknown): ConfigError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('suggestKey', () => {
  it('finds near misses, case and separator insensitive, and prefixes without the unit', () => {
    expect(suggestKey('halfOpenAfter', ['name', 'halfOpenAfterMs', 'halfOpen'])).toBe('halfOpenAfterMs');
    expect(suggestKey('initial', ['initialMs', 'maxMs', 'multiplier'])).toBe('initialMs');
    expect(suggestKey('max_queue', ['maxConcurrent', 'maxQueue'])).toBe('maxQueue');
    expect(suggestKey('maxAttemps', ['maxAttempts', 'backoff'])).toBe('maxAttempts');
    expect(suggestKey('zzzz', ['maxAttempts', 'backoff'])).toBeUndefined();
  });

  it('checkKnownKeys names the path and lists the accepted keys', () => {
    const e = configError(() => checkKnownKeys('x.y', { a: 1, colour: 2 }, ['a', 'color']));
    expect(e.path).toBe('x.y.colour');
    expect(e.message).toContain('did you mean "color"?');
    expect(e.message).toContain('expected one of "a", "color"');
    expect(() => checkKnownKeys('x', { a: 1 }, ['a'])).not.toThrow();
  });
});

describe('every core factory rejects unknown keys (issue 12.10)', () => {
  const cases: Array<[string, () => unknown, string, string | undefined]> = [
    [
      'breaker',
      () => circuitBreaker({ name: 'x', halfOpenAfter: 10_000 } as never),
      'circuitBreaker.halfOpenAfter',
      'halfOpenAfterMs',
    ],
    [
      'breaker.halfOpen',
      () => circuitBreaker({ name: 'x', halfOpen: { maxProbe: 2 } } as never),
      'circuitBreaker.halfOpen.maxProbe',
      'maxProbes',
    ],
    [
      'breaker.slowCall',
      () => circuitBreaker({ name: 'x', slowCall: { thresholdMs: 1, rateThreshold: 0.5, threshold: 1 } } as never),
      'circuitBreaker.slowCall.threshold',
      'thresholdMs',
    ],
    [
      'failureRate',
      () =>
        failureRate({
          threshold: 0.5,
          minimumRequests: 1,
          window: { kind: 'count', size: 10 },
          minRequests: 1,
        } as never),
      'failureRate.minRequests',
      'minimumRequests',
    ],
    [
      'failureRate.window',
      () => failureRate({ threshold: 0.5, minimumRequests: 1, window: { kind: 'time', ms: 10, bucket: 2 } } as never),
      'failureRate.window.bucket',
      'buckets',
    ],
    ['predictive', () => predictive({ treshold: 0.5 } as never), 'predictive.treshold', 'threshold'],
    ['retry', () => retry({ retries: 5 } as never), 'retry.retries', 'maxAttempts'],
    [
      'exponentialBackoff',
      () => exponentialBackoff({ initial: 50 } as never),
      'exponentialBackoff.initial',
      'initialMs',
    ],
    ['retryBudget', () => retryBudget({ ratoi: 0.1 } as never), 'retryBudget.ratoi', 'ratio'],
    ['timeout', () => timeout(10, { clok: undefined } as never), 'timeout.clok', 'clock'],
    ['bulkhead', () => bulkhead({ maxConcurrent: 1, maxQueued: 2 } as never), 'bulkhead.maxQueued', 'maxQueue'],
    ['rateLimit', () => rateLimit({ perSecond: 1, bursts: 2 } as never), 'rateLimit.bursts', 'burst'],
    ['fallback', () => fallback(() => 1, { if: () => true } as never), 'fallback.if', undefined],
    ['cacheFallback', () => cacheFallback({ ttlMs: 1, maxEntry: 2 } as never), 'cacheFallback.maxEntry', 'maxEntries'],
    ['hedge', () => hedge({ delayMs: 1, maxHedge: 2 } as never), 'hedge.maxHedge', 'maxHedges'],
  ];
  it.each(cases)('%s', (_name, make, path, hint) => {
    const e = configError(make);
    expect(e.code).toBe('BW_CONFIG');
    expect(e.path).toBe(path);
    if (hint !== undefined) expect(e.message).toContain(`did you mean "${hint}"?`);
  });

  it('retryBudget ratio must be within 0..1', () => {
    expect(configError(() => retryBudget({ ratio: 2 })).path).toBe('retryBudget.ratio');
    expect(() => retryBudget({ ratio: 1 })).not.toThrow();
  });

  it('valid options still pass', () => {
    expect(() =>
      circuitBreaker({
        name: 'ok',
        halfOpenAfterMs: 1,
        halfOpen: { maxProbes: 1 },
        slowCall: { thresholdMs: 1, rateThreshold: 0.5 },
      }),
    ).not.toThrow();
    expect(() => retry({ maxAttempts: 2, backoff: constantBackoff(1) })).not.toThrow();
  });
});
