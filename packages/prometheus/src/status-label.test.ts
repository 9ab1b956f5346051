import {
  BrokenCircuitError,
  BulkheadRejectedError,
  NoHealthyEndpointError,
  RateLimitedError,
  TimeoutError,
} from '@breakwater/core';
import { describe, expect, it } from 'vitest';
import { statusLabel } from './status-label.js';

describe('statusLabel', () => {
  it.each<[string, { success: boolean; status?: number; error?: unknown; cancelled?: boolean }, string]>([
    ['HTTP 200', { success: true, status: 200 }, '200'],
    ['HTTP 503 counted as failure', { success: false, status: 503 }, '503'],
    ['success without HTTP', { success: true }, 'success'],
    ['breaker timeout', { success: false, error: new TimeoutError(100) }, 'timeout'],
    [
      'undici connect timeout in cause',
      { success: false, error: new TypeError('fetch failed', { cause: { code: 'UND_ERR_CONNECT_TIMEOUT' } }) },
      'timeout',
    ],
    ['AbortSignal.timeout', { success: false, error: new DOMException('t', 'TimeoutError') }, 'timeout'],
    ['open breaker', { success: false, error: new BrokenCircuitError('x') }, 'rejected'],
    ['full bulkhead', { success: false, error: new BulkheadRejectedError(1, 0) }, 'rejected'],
    ['rate limited', { success: false, error: new RateLimitedError(10) }, 'rejected'],
    ['no endpoint', { success: false, error: new NoHealthyEndpointError('open') }, 'rejected'],
    [
      'connection refused',
      { success: false, error: Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }) },
      'error',
    ],
    ['thrown string', { success: false, error: 'boom' }, 'error'],
    [
      'inner rejection not counted against the endpoint',
      { success: true, error: new BulkheadRejectedError(1, 0) },
      'rejected',
    ],
    ['inner timeout not counted against the endpoint', { success: true, error: new TimeoutError(5) }, 'timeout'],
    ['error a custom isFailure ignores', { success: true, error: new Error('4xx-like') }, 'error'],
    ['result counted as a failure, no HTTP status', { success: false }, 'error'],
    [
      'cancelled (losing hedge attempt)',
      { success: false, cancelled: true, error: new DOMException('lost', 'AbortError') },
      'cancelled',
    ],
  ])('%s → %s', (_n, e, label) => {
    expect(statusLabel(e)).toBe(label);
  });
});
