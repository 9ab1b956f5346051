import { describe, expect, it } from 'vitest';
import { isLocalResourceError, LOCAL_RESOURCE_ERROR_CODES } from './local-resource-error.js';

const withCode = (code: string): Error =>
  Object.assign(new Error(`connect ${code} 10.0.0.1:80`), { code, syscall: 'connect' });

describe('isLocalResourceError', () => {
  it.each([...LOCAL_RESOURCE_ERROR_CODES])('%s is local', (code) => {
    expect(isLocalResourceError(withCode(code))).toBe(true);
  });

  it.each(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'BW_TIMEOUT'])(
    '%s is not',
    (code) => {
      expect(isLocalResourceError(withCode(code))).toBe(false);
    },
  );

  it('follows cause chains (fetch failed → socket error), bounded', () => {
    expect(isLocalResourceError(new TypeError('fetch failed', { cause: withCode('EMFILE') }))).toBe(true);
    let deep: unknown = withCode('EMFILE');
    for (let i = 0; i < 10; i++) deep = new Error('wrap', { cause: deep });
    expect(isLocalResourceError(deep)).toBe(false);
    const cyclic = new Error('a') as Error & { cause?: unknown };
    cyclic.cause = cyclic;
    expect(isLocalResourceError(cyclic)).toBe(false);
  });

  it('an AggregateError is local only when every attempt failed locally', () => {
    expect(isLocalResourceError(new AggregateError([withCode('EADDRNOTAVAIL'), withCode('ENOBUFS')]))).toBe(true);
    expect(isLocalResourceError(new AggregateError([withCode('EADDRNOTAVAIL'), withCode('ECONNREFUSED')]))).toBe(false);
  });

  it('never throws on hostile or odd values', () => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    expect(isLocalResourceError(proxy)).toBe(false);
    expect(
      isLocalResourceError({
        get code() {
          throw new Error('no');
        },
      }),
    ).toBe(false);
    expect(isLocalResourceError(undefined)).toBe(false);
    expect(isLocalResourceError('EMFILE')).toBe(false);
    expect(isLocalResourceError({ code: 24 })).toBe(false);
  });
});
