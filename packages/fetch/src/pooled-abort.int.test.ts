import {
  TimeoutError,
  constantBackoff,
  hedge,
  loadBalancer,
  pipeline,
  retry,
  roundRobin,
  timeout,
  type Policy,
} from '@breakwater/core';
import { waitFor } from '@breakwater/testkit';
import { testHttpServer } from '@breakwater/testkit/vitest';
import { describe, expect, it, onTestFinished } from 'vitest';
import { fetch as undiciFetch } from 'undici';
import { createFetch } from './index.js';

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
function balanced(baseFetch: typeof fetch, url: string, policy: Policy, maxConnections?: number) {
  const lb = loadBalancer({
    endpoints: [{ id: 'a', url, ...(maxConnections === undefined ? {} : { maxConnections }) }],
    strategy: roundRobin(),
  });
  const f = createFetch({ fetch: baseFetch, balancer: lb, policy });
  onTestFinished(async () => {
    await f.close();
    await lb.close();
  });
  return f;
}

describe.each(FETCHES)('@breakwater/fetch: timeouts and hedges abort through the pool (%s)', (_name, baseFetch) => {
  it('a timeout aborts the request on the wire (server sees the close) and rejects with TimeoutError', async () => {
    const s = await testHttpServer(() => {
      /* never answers */
    });
    const f = balanced(baseFetch, s.url, timeout(100));
    await expect(f('/slow')).rejects.toBeInstanceOf(TimeoutError);
    await waitFor(() => s.aborted.length === 1, { what: 'server saw the abort' });
  });

  it('each timed-out retry attempt is aborted; the last one too', async () => {
    const s = await testHttpServer(() => {
      /* never answers */
    });
    const f = balanced(
      baseFetch,
      s.url,
      pipeline(retry({ maxAttempts: 3, backoff: constantBackoff(0), retryOn: () => true }), timeout(80)),
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
    const lb = loadBalancer({ endpoints: [{ id: 'a', url: s.url }], strategy: roundRobin() });
    const f = createFetch({ fetch: baseFetch, pooling: { connections: 1 }, balancer: lb, policy: timeout(100) });
    onTestFinished(async () => {
      await f.close();
      await lb.close();
    });
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
    const f = balanced(baseFetch, s.url, hedge({ delayMs: 30 }));
    expect(await (await f('/x')).text()).toBe('fast');
    await waitFor(() => s.aborted.length === 1, { what: 'losing hedge aborted' });
  });
});
