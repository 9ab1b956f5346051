import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ConfigError } from '@breakwater/core';
import { breakerKeys, checkBreakerName, escapeName } from './keys.js';

describe('breaker keys', () => {
  it('prefix app + name x:y and prefix app:x + name y never share keys', () => {
    expect(breakerKeys('app', 'x:y').state).toBe('{app:x%3Ay}');
    expect(breakerKeys('app:x', 'y').state).toBe('{app:x:y}');
  });

  it('names without separators keep their keys (no migration for them)', () => {
    expect(breakerKeys('bw', 'payments').state).toBe('{bw:payments}');
    expect(breakerKeys('bw', 'http://10.0.0.1/x').votes).toBe('{bw:http%3A//10.0.0.1/x}:votes');
  });

  it('(prefix, name) → state key is injective (fast-check)', () => {
    const prefix = fc.string({ minLength: 1, maxLength: 6, unit: fc.constantFrom('a', ':', '%', 'b') });
    const name = fc.string({ minLength: 1, maxLength: 6, unit: fc.constantFrom('a', ':', '%', '{', '}', '3', 'A') });
    fc.assert(
      fc.property(prefix, name, prefix, name, (p1, n1, p2, n2) => {
        const same = breakerKeys(p1, n1).state === breakerKeys(p2, n2).state;
        return same === (p1 === p2 && n1 === n2);
      }),
    );
  });

  it('a brace in a name cannot move the hash tag', () => {
    expect(escapeName('a}b{c')).toBe('a%7Db%7Bc');
  });

  it('names must be 1–512 characters', () => {
    expect(() => checkBreakerName('x'.repeat(512))).not.toThrow();
    expect(() => checkBreakerName('x'.repeat(513))).toThrow(ConfigError);
    expect(() => checkBreakerName('x'.repeat(1001))).toThrow(/circuitBreaker\.name.*1 to 512 characters.*1001/);
    expect(() => checkBreakerName('')).toThrow(/empty/);
  });
});
