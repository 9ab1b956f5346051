import {
  BrokenCircuitError,
  TimeoutError,
  circuitBreaker,
  hedge,
  constantBackoff,
  consecutiveFailures,
  loadBalancer,
  pipeline,
  retry,
  roundRobin,
  timeout,
  type Policy,
} from '@breakwater/core';
import { waitFor } from '@breakwater/testkit';
import { testHttpServer } from '@breakwater/testkit/vitest';
import { Agent, fetch as undiciFetch, getGlobalDispatcher, request, setGlobalDispatcher } from 'undici';
import { describe, expect, it, onTestFinished } from 'vitest';
import { breakwaterInterceptor, type BreakwaterInterceptorOptions } from '../index.js';

const fastRetry = (n = 3): Policy => retry({ maxAttempts: n, backoff: constantBackoff(0) });

function composed(o: BreakwaterInterceptorOptions) {
  const agent = new Agent();
  onTestFinished(() => agent.close());
  return agent.compose(breakwaterInterceptor(o));
}

/** A server answering the statuses in turn (the last one repeats), body = `status n`. */
async function scripted(...statuses: number[]) {
  const s = await testHttpServer((_req, res, _b, seen) => {
    const i = s.requests.indexOf(seen);
    res.statusCode = statuses[Math.min(i, statuses.length - 1)]!;
    res.end(`${res.statusCode} ${i + 1}`);
  });
  return s;
}

describe('breakwaterInterceptor with undici request()', () => {
  it('retries a GET on 503 and hands over the good response only', async () => {
    const s = await scripted(503, 503, 200);
    const d = composed({ policyFor: () => fastRetry() });
    const res = await request(`${s.url}/x`, { dispatcher: d });
    expect(res.statusCode).toBe(200);
    expect(await res.body.text()).toBe('200 3');
    expect(s.requests).toHaveLength(3);
  });

  it('when retries run out, the caller gets the last 503 with its body', async () => {
    const s = await scripted(503);
    const d = composed({ policyFor: () => fastRetry() });
    const res = await request(`${s.url}/x`, { dispatcher: d });
    expect(res.statusCode).toBe(503);
    expect(await res.body.text()).toBe('503 3');
  });

  it('4xx passes through: not retried, not counted by the breaker', async () => {
    const s = await scripted(404);
    const breaker = circuitBreaker({ name: 'icpt-404', trip: consecutiveFailures(1) });
    onTestFinished(() => breaker.dispose());
    const d = composed({ policyFor: () => pipeline(fastRetry(), breaker) });
    for (let i = 0; i < 3; i++) expect((await request(`${s.url}/x`, { dispatcher: d })).statusCode).toBe(404);
    expect(s.requests).toHaveLength(3);
    expect(breaker.state).toBe('closed');
  });

  it('honours Retry-After (capped by maxRetryAfterMs)', async () => {
    const s = await testHttpServer((_req, res, _b, seen) => {
      if (s.requests.indexOf(seen) === 0) {
        res.writeHead(429, { 'retry-after': '5' });
        res.end();
      } else res.end('ok');
    });
    const d = composed({
      policyFor: () => retry({ maxAttempts: 2, backoff: constantBackoff(0) }),
      maxRetryAfterMs: 150,
    });
    const t0 = Date.now();
    const res = await request(`${s.url}/x`, { dispatcher: d });
    expect(await res.body.text()).toBe('ok');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
  });

  it('POST is sent once without Idempotency-Key, retried with one', async () => {
    const s = await scripted(503, 503, 201);
    const d = composed({ policyFor: () => fastRetry() });
    expect((await request(`${s.url}/o`, { dispatcher: d, method: 'POST', body: 'a' })).statusCode).toBe(503);
    expect(s.requests).toHaveLength(1);
    const res = await request(`${s.url}/o`, {
      dispatcher: d,
      method: 'POST',
      body: 'b',
      headers: { 'idempotency-key': 'k1' },
    });
    expect(res.statusCode).toBe(201);
    expect(s.requests.map((r) => r.body)).toEqual(['a', 'b', 'b']);
  });

  it('an open breaker rejects without reaching the server', async () => {
    const s = await scripted(500);
    const breaker = circuitBreaker({ name: 'icpt-open', trip: consecutiveFailures(2), halfOpenAfterMs: 60_000 });
    onTestFinished(() => breaker.dispose());
    const d = composed({ policyFor: () => breaker });
    for (let i = 0; i < 2; i++) await (await request(`${s.url}/x`, { dispatcher: d })).body.dump();
    await expect(request(`${s.url}/x`, { dispatcher: d })).rejects.toBeInstanceOf(BrokenCircuitError);
    expect(s.requests).toHaveLength(2);
  });

  it('a timeout aborts the request on the wire and rejects with TimeoutError', async () => {
    const s = await testHttpServer(() => {
      /* never answers */
    });
    const d = composed({ policyFor: () => timeout(100) });
    await expect(request(`${s.url}/slow`, { dispatcher: d })).rejects.toBeInstanceOf(TimeoutError);
    await waitFor(() => s.aborted.length === 1, { what: 'server saw the abort' });
  });

  it("the caller's abort stops retries (no attempt after it)", async () => {
    const s = await scripted(503);
    const d = composed({ policyFor: () => retry({ maxAttempts: 5, backoff: constantBackoff(5000) }) });
    const c = new AbortController();
    const p = request(`${s.url}/x`, { dispatcher: d, signal: c.signal });
    await waitFor(() => s.requests.length === 1);
    await new Promise((r) => setTimeout(r, 20));
    const t0 = Date.now();
    c.abort();
    await expect(p).rejects.toThrow();
    expect(Date.now() - t0).toBeLessThan(1000); // not after the 5 s backoff
    await new Promise((r) => setTimeout(r, 300));
    expect(s.requests).toHaveLength(1);
  });

  it('with hedge(), the first answer wins; the losing attempt is aborted on the wire', async () => {
    const s = await testHttpServer((_req, res, _b, seen) => {
      if (s.requests.indexOf(seen) === 0) return; // the first attempt hangs
      res.end('fast');
    });
    const d = composed({ policyFor: () => hedge({ delayMs: 30 }) });
    const res = await request(`${s.url}/x`, { dispatcher: d });
    expect(await res.body.text()).toBe('fast');
    await waitFor(() => s.aborted.length === 1, { what: 'losing hedge aborted' });
  });

  it('streams a large body intact (backpressure through the attempt)', async () => {
    const big = 'z'.repeat(3 * 1024 * 1024);
    const s = await testHttpServer((_req, res) => {
      res.end(big);
    });
    const d = composed({ policyFor: () => pipeline(fastRetry(), timeout(5000)) });
    const res = await request(`${s.url}/big`, { dispatcher: d });
    expect((await res.body.text()).length).toBe(big.length);
  });

  it('origins without a policy pass through untouched; policies are kept for at most maxOrigins origins (LRU)', async () => {
    const servers = await Promise.all([scripted(503), scripted(503), scripted(503)]);
    const asked: string[] = [];
    const evicted: string[] = [];
    const d = composed({
      policyFor: (origin) => {
        asked.push(origin);
        return origin === servers[2]!.url ? undefined : fastRetry();
      },
      maxOrigins: 2,
      onEvict: (origin) => evicted.push(origin),
    });
    for (const s of servers) await (await request(`${s.url}/x`, { dispatcher: d })).body.dump();
    expect(servers.map((s) => s.requests.length)).toEqual([3, 3, 1]);
    expect(evicted).toEqual([servers[0]!.url]);
    await (await request(`${servers[1]!.url}/x`, { dispatcher: d })).body.dump();
    await (await request(`${servers[0]!.url}/x`, { dispatcher: d })).body.dump();
    expect(asked).toEqual([servers[0]!.url, servers[1]!.url, servers[2]!.url, servers[0]!.url]);
  });

  it('with a balancer, requests go to the picked endpoints and fail over', async () => {
    const a = await scripted(503);
    const b = await testHttpServer((req, res) => {
      res.end(`b ${req.url}`);
    });
    const lb = loadBalancer({
      endpoints: [
        { id: 'a', url: a.url },
        { id: 'b', url: `${b.url}/api` },
      ],
      strategy: roundRobin(),
    });
    onTestFinished(() => lb.close());
    const d = composed({ policyFor: () => fastRetry(), balancer: lb });
    const res = await request('http://orders.internal/x?q=1', { dispatcher: d });
    expect(await res.body.text()).toBe('b /api/x?q=1');
  });
});

describe('breakwaterInterceptor with fetch', () => {
  it("undici's fetch with the composed dispatcher: retries, policy errors as TypeError cause", async () => {
    const s = await scripted(503, 200);
    const d = composed({ policyFor: () => fastRetry() });
    const res = await undiciFetch(`${s.url}/x`, { dispatcher: d });
    expect(await res.text()).toBe('200 2');
    const t = await testHttpServer(() => {
      /* never answers */
    });
    const d2 = composed({ policyFor: () => timeout(80) });
    const err = await undiciFetch(`${t.url}/x`, { dispatcher: d2 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TypeError);
    expect((err as { cause?: unknown }).cause).toBeInstanceOf(TimeoutError);
  });

  it("Node's global fetch picks up setGlobalDispatcher(new Agent().compose(...)) from undici 7", async () => {
    const s = await scripted(503, 503, 200);
    const previous = getGlobalDispatcher();
    const agent = new Agent();
    setGlobalDispatcher(agent.compose(breakwaterInterceptor({ policyFor: () => fastRetry() })));
    try {
      const res = await globalThis.fetch(`${s.url}/x`);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('200 3');
      expect(s.requests).toHaveLength(3);
    } finally {
      setGlobalDispatcher(previous);
      await agent.close();
    }
  });
});
