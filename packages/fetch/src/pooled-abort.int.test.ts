import { TimeoutError, constantBackoff, hedge, pipeline, retry, timeout } from '@breakwater/core';
import { waitFor } from '@breakwater/testkit';
import { testHttpServer } from '@breakwater/testkit/vitest';
import { describe, expect, it } from 'vitest';
import { fetch as undiciFetch } from 'undici';
import { balancedFetch } from './test-support/balanced-fetch.js';

/** Node's global fetch (its bundled undici) and npm undici's: their handlers differ from version to version. */
const FETCHES = [
  ['global fetch', globalThis.fetch],
  ['npm undici fetch', undiciFetch as unknown as typeof fetch],
] as const;

/**
 * Balanced requests with a timeout or hedge and no caller signal are aborted through the endpoint's
 * pool (no AbortSignal handed to fetch, which costs undici a lot per request): the abort must still
 * reach the wire — before the response, while queued in the pool, and for the losing hedge.
 */
describe.each(FETCHES)('@breakwater/fetch: timeouts and hedges abort through the pool (%s)', (_name, baseFetch) => {
  it('a timeout aborts the request on the wire (server sees the close) and rejects with TimeoutError', async () => {
    const s = await testHttpServer(() => {
      /* never answers */
    });
    const f = balancedFetch(s.url, timeout(100), { fetch: baseFetch });
    await expect(f('/slow')).rejects.toBeInstanceOf(TimeoutError);
    await waitFor(() => s.aborted.length === 1, { what: 'server saw the abort' });
  });

  it('each timed-out retry attempt is aborted; the last one too', async () => {
    const s = await testHttpServer(() => {
      /* never answers */
    });
    const f = balancedFetch(
      s.url,
      pipeline(retry({ maxAttempts: 3, backoff: constantBackoff(0), retryOn: () => true }), timeout(80)),
      { fetch: baseFetch },
    );
    await expect(f('/slow')).rejects.toBeInstanceOf(TimeoutError);
    expect(s.requests).toHaveLength(3);
    await waitFor(() => s.aborted.length === 3, { what: 'all three attempts aborted' });
  });

  it('a request that times out while queued behind a busy connection never reaches the server', async () => {
    const held: Array<() => void> = [];
    // /hold answers its headers at once and its body only on release: the one connection stays busy.
    const s = await testHttpServer((req, res) => {
      if (req.url === '/hold') {
        res.write('he');
        held.push(() => res.end('ld'));
      } else res.end('ok');
    });
    const f = balancedFetch(s.url, timeout(100), { fetch: baseFetch, pooling: { connections: 1 } });
    const busy = await f('/hold');
    await expect(f('/queued')).rejects.toBeInstanceOf(TimeoutError);
    held.splice(0).forEach((r) => r());
    expect(await busy.text()).toBe('held');
    expect(await (await f('/after')).text()).toBe('ok');
    expect(s.requests.map((r) => r.url)).toEqual(['/hold', '/after']);
  });

  it("the losing hedge is aborted on the wire; the winner's body is intact", async () => {
    const s = await testHttpServer((_req, res, _b, seen) => {
      if (s.requests.indexOf(seen) === 0) return; // the first attempt hangs
      res.end('fast');
    });
    const f = balancedFetch(s.url, hedge({ delayMs: 30 }), { fetch: baseFetch });
    expect(await (await f('/x')).text()).toBe('fast');
    await waitFor(() => s.aborted.length === 1, { what: 'losing hedge aborted' });
  });
});
