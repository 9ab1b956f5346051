import { ConfigError, constantBackoff, retry } from '@breakwater/core';
import axios, {
  AxiosError,
  AxiosHeaders,
  type AxiosAdapter,
  type AxiosInstance,
  type AxiosResponse,
  type InternalAxiosRequestConfig,
} from 'axios';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { withResilience } from './index.js';

/** An axios instance whose transport is a scripted adapter (no network). */
function scripted(statuses: number[]): { api: AxiosInstance; seen: InternalAxiosRequestConfig[] } {
  const seen: InternalAxiosRequestConfig[] = [];
  let i = 0;
  const adapter: AxiosAdapter = async (config) => {
    seen.push(config);
    const status = statuses[Math.min(i++, statuses.length - 1)]!;
    const response: AxiosResponse = { data: { n: seen.length }, status, statusText: '', headers: {}, config };
    if (config.validateStatus?.(status) ?? (status >= 200 && status < 300)) return response;
    throw new AxiosError(`status ${status}`, AxiosError.ERR_BAD_RESPONSE, config, undefined, response);
  };
  return { api: axios.create({ adapter, baseURL: 'http://api.test' }), seen };
}

describe('withResilience (scripted adapter)', () => {
  it("keeps axios' inferred types", () => {
    const api = axios.create();
    const eject = withResilience(api, {});
    expectTypeOf(eject).toEqualTypeOf<() => void>();
    expectTypeOf(api.get<{ id: number }>).returns.toEqualTypeOf<Promise<AxiosResponse<{ id: number }, any, {}>>>();
    expectTypeOf(withResilience).parameter(0).toEqualTypeOf<AxiosInstance>();
    // The default instance is accepted too.
    expectTypeOf(axios).toMatchTypeOf<AxiosInstance>();
    // Per-request options are typed on the config.
    expectTypeOf<Parameters<typeof api.get>[1]>().toMatchTypeOf<
      { breakwater?: { skip?: boolean; retryNonIdempotent?: boolean; key?: string } } | undefined
    >();
    eject();
  });

  it('wraps a custom adapter, retrying through it', async () => {
    const { api, seen } = scripted([503, 200]);
    const eject = withResilience(api, { policy: retry({ maxAttempts: 3, backoff: constantBackoff(0) }) });
    const res = await api.get<{ n: number }>('/x');
    expect(res.data).toEqual({ n: 2 });
    expect(seen).toHaveLength(2);
    expect(seen[1]!.headers).toBeInstanceOf(AxiosHeaders);
    eject();
  });

  it('per-request skip and retryNonIdempotent', async () => {
    const { api, seen } = scripted([503, 503, 200]);
    const eject = withResilience(api, { policy: retry({ maxAttempts: 3, backoff: constantBackoff(0) }) });
    await expect(api.get('/x', { breakwater: { skip: true } })).rejects.toBeInstanceOf(AxiosError);
    expect(seen).toHaveLength(1);
    const res = await api.patch('/x', { a: 1 }, { breakwater: { retryNonIdempotent: true } });
    expect(res.status).toBe(200);
    expect(seen).toHaveLength(3);
    await expect(api.get('/x', { breakwater: { skip: 'yes' as unknown as boolean } })).rejects.toBeInstanceOf(
      ConfigError,
    );
    eject();
  });

  it("injects trace headers per attempt without touching the caller's headers", async () => {
    const { api, seen } = scripted([503, 200]);
    let n = 0;
    const eject = withResilience(api, {
      policy: retry({ maxAttempts: 2, backoff: constantBackoff(0) }),
      propagate: (h) => {
        h.traceparent = `tp${++n}`;
      },
    });
    await api.get('/x', { headers: { 'x-a': '1' } });
    expect(seen.map((c) => [c.headers.get('traceparent'), c.headers.get('x-a')])).toEqual([
      ['tp1', '1'],
      ['tp2', '1'],
    ]);
    eject();
  });

  it('validates options with paths', () => {
    expect(() => withResilience(null as unknown as AxiosInstance, {})).toThrow(/withResilience.instance/);
    expect(() => withResilience({} as AxiosInstance, {})).toThrow(ConfigError);
    expect(() => withResilience(axios.create(), undefined as never)).not.toThrow();
    expect(() => withResilience(axios.create(), 'x' as never)).toThrow(/withResilience: expected an options object/);
    expect(() => withResilience(axios.create(), { retryNonIdempotent: 1 as unknown as boolean })).toThrow(
      /withResilience.retryNonIdempotent: expected a boolean/,
    );
    expect(() => withResilience(axios.create(), { pooling: { maxSockets: -1 } })).toThrow(
      /withResilience.pooling.maxSockets/,
    );
  });
});
