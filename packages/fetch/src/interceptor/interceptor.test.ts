import { retry } from '@breakwater/core';
import { describe, expect, it } from 'vitest';
import { breakwaterInterceptor } from '../index.js';
import { PolicyCache } from './policy-cache.js';

describe('breakwaterInterceptor options', () => {
  it.each([
    [undefined, 'breakwaterInterceptor'],
    [{}, 'breakwaterInterceptor.policyFor'],
    [{ policyFor: (): undefined => undefined, balancer: {} }, 'breakwaterInterceptor.balancer'],
    [{ policyFor: (): undefined => undefined, maxOrigins: 0 }, 'breakwaterInterceptor.maxOrigins'],
    [{ policyFor: (): undefined => undefined, maxRetryAfterMs: -1 }, 'breakwaterInterceptor.maxRetryAfterMs'],
    [{ policyFor: (): undefined => undefined, retryNonIdempotent: 'yes' }, 'breakwaterInterceptor.retryNonIdempotent'],
  ])('rejects %j with ConfigError at %s', (o, path) => {
    expect(() => breakwaterInterceptor(o as never)).toThrow(
      expect.objectContaining({ code: 'BW_CONFIG', path }) as Error,
    );
  });
});

describe('PolicyCache (LRU of per-origin policies)', () => {
  it('keeps at most max origins, evicting the least recently used, and asks policyFor again after eviction', () => {
    const asked: string[] = [];
    const evicted: string[] = [];
    const cache = new PolicyCache(
      (o) => {
        asked.push(o);
        return retry();
      },
      2,
      (o) => evicted.push(o),
    );
    cache.get('a');
    cache.get('b');
    cache.get('a');
    cache.get('c');
    expect(evicted).toEqual(['b']);
    expect(cache.size).toBe(2);
    cache.get('a');
    cache.get('b');
    expect(asked).toEqual(['a', 'b', 'c', 'b']);
    expect(evicted).toEqual(['b', 'c']);
  });

  it('an eviction hook that throws does not fail the lookup', () => {
    const cache = new PolicyCache(
      () => retry(),
      1,
      () => {
        throw new Error('boom');
      },
    );
    cache.get('a');
    expect(cache.get('b')).toBeDefined();
  });
});
