import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { defaultIsFailure, isFailureStatus } from './classify.js';
import { readHeader } from './headers.js';
import { isRetryableRequest } from './idempotency.js';
import { isNonRetryable, markNonRetryable } from '../kernel/non-retryable.js';
import { resolveHttpAdapterOptions } from './options.js';
import { HttpStatusFailure } from './status-failure.js';
import { retryAfterHeaderOf, statusOf } from './status.js';
import { readCookie, resolveStickyKey, validateStickyKey } from './sticky-key.js';
import { isAbsoluteUrl, joinUrl, splitCredentials } from './url.js';
import { redactUrl } from '../kernel/redact.js';

describe('outcome classification', () => {
  it('5xx, 408 and 429 are failures; other statuses are not', () => {
    for (const s of [500, 502, 503, 504, 599, 408, 429]) expect(isFailureStatus(s)).toBe(true);
    for (const s of [200, 201, 204, 301, 304, 400, 401, 403, 404, 409, 422]) expect(isFailureStatus(s)).toBe(false);
  });

  it('reads status from fetch responses, axios errors and tRPC errors', () => {
    expect(statusOf(new Response(null, { status: 503 }))).toBe(503);
    expect(statusOf({ response: { status: 404 } })).toBe(404);
    expect(statusOf({ data: { httpStatus: 500 } })).toBe(500);
    expect(statusOf({ meta: { response: { status: 502 } } })).toBe(502);
    expect(statusOf({ data: { httpStatus: 400 }, meta: { response: { status: 502 } } })).toBe(400);
    expect(statusOf(new Error('x'))).toBeUndefined();
    expect(statusOf({ status: 'x' })).toBeUndefined();
  });

  it('errors without a status are failures; 4xx errors are not', () => {
    expect(defaultIsFailure(new TypeError('fetch failed'))).toBe(true);
    expect(defaultIsFailure(Object.assign(new Error('bad'), { response: { status: 400 } }))).toBe(false);
    expect(defaultIsFailure(Object.assign(new Error('bad'), { response: { status: 503 } }))).toBe(true);
    expect(defaultIsFailure(new Response('x', { status: 200 }))).toBe(false);
    expect(defaultIsFailure(new Response('x', { status: 429 }))).toBe(true);
    expect(defaultIsFailure({ message: 'socket hang up', code: 'ECONNRESET' })).toBe(true);
    expect(defaultIsFailure('a string')).toBe(false);
  });

  it('finds Retry-After on responses and errors', () => {
    expect(retryAfterHeaderOf(new Response(null, { status: 503, headers: { 'Retry-After': '2' } }))).toBe('2');
    expect(retryAfterHeaderOf({ response: { status: 429, headers: { 'retry-after': '3' } } })).toBe('3');
    expect(
      retryAfterHeaderOf({ meta: { response: new Response(null, { status: 503, headers: { 'retry-after': '4' } }) } }),
    ).toBe('4');
    const f = new HttpStatusFailure(new Response(null, { status: 503, headers: { 'retry-after': '7' } }), {
      maxRetryAfterMs: 5000,
    });
    expect(f.status).toBe(503);
    expect(f.retryAfterMs).toBe(5000);
  });
});

describe('retry safety', () => {
  it('idempotent methods are retryable; POST/PATCH only with a key or opt-in', () => {
    for (const m of ['GET', 'get', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', undefined])
      expect(isRetryableRequest(m, {})).toBe(true);
    expect(isRetryableRequest('POST', {})).toBe(false);
    expect(isRetryableRequest('PATCH', new Headers())).toBe(false);
    expect(isRetryableRequest('POST', { 'Idempotency-Key': 'k1' })).toBe(true);
    expect(isRetryableRequest('POST', new Headers({ 'idempotency-key': 'k1' }))).toBe(true);
    expect(isRetryableRequest('POST', { 'idempotency-key': '  ' })).toBe(false);
    expect(isRetryableRequest('POST', {}, true)).toBe(true);
  });

  it('marks errors non-retryable without changing them', () => {
    const e = new Error('x');
    expect(isNonRetryable(e)).toBe(false);
    expect(markNonRetryable(e)).toBe(e);
    expect(isNonRetryable(e)).toBe(true);
    expect(Object.keys(e)).toEqual([]);
    expect(markNonRetryable('s')).toBe('s');
    expect(isNonRetryable('s')).toBe(false);
  });
});

describe('headers, urls, sticky keys', () => {
  it('reads headers case-insensitively from every shape', () => {
    expect(readHeader({ 'X-User': 'a' }, 'x-user')).toBe('a');
    expect(readHeader({ 'x-user': ['a', 'b'] }, 'X-User')).toBe('a');
    expect(readHeader(new Headers({ 'X-User': 'a' }), 'x-user')).toBe('a');
    expect(readHeader(undefined, 'x')).toBeUndefined();
    expect(
      readHeader(
        {
          get: () => {
            throw new Error('boom');
          },
        },
        'x',
      ),
    ).toBeUndefined();
  });

  it('joins relative URLs onto endpoint bases', () => {
    expect(joinUrl('http://h:1', '/a?b=1')).toBe('http://h:1/a?b=1');
    expect(joinUrl('http://h:1/api/', '/a')).toBe('http://h:1/api/a');
    expect(joinUrl('http://h:1/api', 'a')).toBe('http://h:1/api/a');
    expect(joinUrl('http://h:1/', '?q')).toBe('http://h:1?q');
    expect(isAbsoluteUrl('http://x')).toBe(true);
    expect(isAbsoluteUrl('//x/y')).toBe(true);
    expect(isAbsoluteUrl('/x')).toBe(false);
    expect(isAbsoluteUrl('x/y')).toBe(false);
  });

  it('redacts credentials and secret-looking query values', () => {
    const r = redactUrl('http://user:hunter2@h:1/p?token=abc&x=1');
    expect(r).not.toContain('hunter2');
    expect(r).not.toContain('abc');
    expect(r).toContain('x=1');
    expect(redactUrl('not a url //u:p@h')).not.toContain('u:p');
  });

  it('splits credentials off URLs into Basic auth', () => {
    expect(splitCredentials('http://h:1/a')).toEqual({ url: 'http://h:1/a' });
    expect(splitCredentials('http://u:p%40w@h:1/a?x=1')).toEqual({
      url: 'http://h:1/a?x=1',
      authorization: `Basic ${btoa('u:p@w')}`,
    });
    expect(splitCredentials('http://ü:ß@h/').authorization).toBe(`Basic ${Buffer.from('ü:ß').toString('base64')}`);
    expect(splitCredentials('not a url @ all')).toEqual({ url: 'not a url @ all' });
  });

  it('takes sticky keys from cookies, headers or functions', () => {
    expect(readCookie('a=1; session_id=s%201; b=2', 'session_id')).toBe('s 1');
    expect(readCookie('a=1', 'session_id')).toBeUndefined();
    const req = { method: 'GET', url: '/x', headers: { cookie: 'session_id="abc"', 'x-user': 'u7' } };
    expect(resolveStickyKey({ cookie: 'session_id' }, req)).toBe('abc');
    expect(resolveStickyKey({ header: 'x-user' }, req)).toBe('u7');
    expect(resolveStickyKey((r) => r.url, req)).toBe('/x');
    expect(resolveStickyKey(undefined, req)).toBeUndefined();
    expect(() => validateStickyKey({ cookies: 'x' }, 'createFetch.stickyKey')).toThrow(ConfigError);
  });
});

describe('adapter option validation', () => {
  it('throws ConfigError with a path and the expected form', () => {
    const cases: Array<[unknown, string]> = [
      [{ policy: {} }, 'createFetch.policy'],
      [{ balancer: 3 }, 'createFetch.balancer'],
      [{ retryNonIdempotent: 'yes' }, 'createFetch.retryNonIdempotent'],
      [{ isFailure: true }, 'createFetch.isFailure'],
      [{ maxRetryAfterMs: -1 }, 'createFetch.maxRetryAfterMs'],
      [{ propagate: 'otel' }, 'createFetch.propagate'],
      [{ stickyKey: { cookie: '' } }, 'createFetch.stickyKey'],
      ['nope', 'createFetch'],
    ];
    for (const [o, path] of cases) {
      let err: unknown;
      try {
        resolveHttpAdapterOptions(o, 'createFetch');
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).path).toBe(path);
      expect((err as ConfigError).message).toMatch(/expected/);
    }
    expect(resolveHttpAdapterOptions(undefined, 'x').retryNonIdempotent).toBe(false);
  });
});
