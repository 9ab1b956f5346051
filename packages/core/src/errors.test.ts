import { describe, expect, it, vi } from 'vitest';
import { BreakwaterError, ConfigError, TimeoutError, isBreakwaterError } from './errors.js';
import { isRetryableError } from './retry/retry.js';

describe('isBreakwaterError across installed copies', () => {
  it('recognises errors of a second copy of the module (instanceof fails there)', async () => {
    vi.resetModules();
    // A query string makes vite load a second, independent instance of the module.
    const copy = (await import(/* @vite-ignore */ `./errors.js?${'second-copy'}`)) as typeof import('./errors.js');
    expect(copy.BreakwaterError).not.toBe(BreakwaterError);
    const foreign = new copy.BrokenCircuitError('payments');
    expect(foreign instanceof BreakwaterError).toBe(false);
    expect(isBreakwaterError(foreign)).toBe(true);
    expect(isBreakwaterError(new copy.TimeoutError(5))).toBe(true);
    // And the other way round.
    expect(copy.isBreakwaterError(new TimeoutError(5))).toBe(true);
    // The default retryOn recognises the foreign rejection too.
    expect(isRetryableError(foreign)).toBe(false);
    expect(isRetryableError(new copy.TimeoutError(5))).toBe(true);
  });

  it('needs both the brand and a BW_ code', () => {
    const brand = Symbol.for('breakwater.error');
    expect(isBreakwaterError({ code: 'BW_TIMEOUT' })).toBe(false);
    expect(isBreakwaterError({ [brand]: true, code: 'ECONNRESET' })).toBe(false);
    expect(isBreakwaterError({ [brand]: true, code: 'BW_TIMEOUT' })).toBe(true);
    expect(isBreakwaterError(new Error('x'))).toBe(false);
    expect(isBreakwaterError(new ConfigError('a.b', 'bad'))).toBe(true);
  });

  it('never throws on hostile values', () => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    const throwing = {
      get code(): string {
        throw new Error('boom');
      },
    };
    expect(isBreakwaterError(proxy)).toBe(false);
    expect(isBreakwaterError(throwing)).toBe(false);
    expect(isBreakwaterError(null)).toBe(false);
    expect(isBreakwaterError('BW_TIMEOUT')).toBe(false);
  });
});
