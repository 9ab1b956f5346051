import { describe, expect, it } from 'vitest';
import { ConfigError, NoHealthyEndpointError } from '../errors.js';
import { loadBalancer } from './load-balancer.js';
import { router } from './router.js';

const lb = (id: string) => loadBalancer({ name: id, endpoints: [{ id, url: `http://${id}` }] });

describe('router (L7)', () => {
  const orders = lb('orders');
  const writes = lb('writes');
  const canary = lb('canary');
  const fallback = lb('default');
  const r = router({
    routes: [
      { match: { header: { 'X-Canary': /^(1|true)$/ } }, to: canary },
      { match: { pathPrefix: '/api/orders', method: 'post' }, to: writes },
      { match: { pathPrefix: '/api/orders' }, to: orders },
    ],
    default: fallback,
  });

  it('matches headers (case-insensitive names, RegExp values), method and path prefix; first match wins', () => {
    expect(r.resolve({ path: '/api/orders/1', method: 'GET' })).toBe(orders);
    expect(r.resolve({ path: '/api/orders', method: 'POST' })).toBe(writes);
    expect(r.resolve({ path: '/api/orders', method: 'POST', headers: { 'x-canary': 'true' } })).toBe(canary);
    expect(r.resolve({ path: '/api/orders', headers: { 'x-canary': 'no' } })).toBe(orders);
    expect(r.resolve({ path: '/other' })).toBe(fallback);
  });
  it('throws NoHealthyEndpointError without a default', () => {
    const strict = router({ routes: [{ match: { pathPrefix: '/a' }, to: orders }] });
    expect(() => strict.resolve({ path: '/b' })).toThrow(NoHealthyEndpointError);
  });
  it('validates routes', () => {
    expect(() => router({ routes: [{ match: { pathPrefix: 'api' }, to: orders }] })).toThrow(
      /router.routes\[0\].match.pathPrefix/,
    );
    expect(() => router({ routes: [{ match: {}, to: {} as never }] })).toThrow(ConfigError);
  });
});
