import {
  BrokenCircuitError,
  TimeoutError,
  circuitBreaker,
  consecutiveFailures,
  constantBackoff,
  pipeline,
  retry,
  timeout,
} from '@breakwater/core';
import { firstTryPerBody, waitFor } from '@breakwater/testkit';
import { testHttpServer } from '@breakwater/testkit/vitest';
import { describe, expect, it } from 'vitest';
import { createFetch } from './index.js';

const fastRetry = (n = 3) => retry({ maxAttempts: n, backoff: constantBackoff(0) });

describe('@breakwater/fetch against a real node:http server', () => {
  it('retries a GET on 503 then succeeds', async () => {
    const s = await testHttpServer((_req, res, _b, seen) => {
      if (s.requests.indexOf(seen) === 0) {
        res.statusCode = 503;
        res.end('busy');
      } else res.end('fine');
    });
    const f = createFetch({ policy: fastRetry() });
    const res = await f(`${s.url}/thing`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('fine');
    expect(s.requests).toHaveLength(2);
  });

  it('does not retry a POST without Idempotency-Key; retries it with one, body intact', async () => {
    const s = await testHttpServer(firstTryPerBody(503, 201));
    const f = createFetch({ policy: fastRetry() });
    const first = await f(`${s.url}/orders`, {
      method: 'POST',
      body: JSON.stringify({ n: 1 }),
      headers: { 'content-type': 'application/json' },
    });
    expect(first.status).toBe(503);
    expect(s.requests).toHaveLength(1);

    const second = await f(`${s.url}/orders`, {
      method: 'POST',
      body: JSON.stringify({ n: 2 }),
      headers: { 'content-type': 'application/json', 'Idempotency-Key': 'order-2' },
    });
    expect(second.status).toBe(201);
    expect(s.requests.slice(1).map((r) => [r.method, r.body, r.headers['idempotency-key']])).toEqual([
      ['POST', '{"n":2}', 'order-2'],
      ['POST', '{"n":2}', 'order-2'],
    ]);
  });

  it('opens the breaker, then rejects without hitting the server', async () => {
    const s = await testHttpServer((_req, res) => {
      res.statusCode = 500;
      res.end('down');
    });
    const breaker = circuitBreaker({ name: 'fetch-int-open', trip: consecutiveFailures(3), halfOpenAfterMs: 60_000 });
    const f = createFetch({ policy: pipeline(fastRetry(), breaker) });
    const res = await f(`${s.url}/x`);
    expect(res.status).toBe(500);
    expect(s.requests).toHaveLength(3);
    expect(breaker.state).toBe('open');
    await expect(f(`${s.url}/x`)).rejects.toBeInstanceOf(BrokenCircuitError);
    expect(s.requests).toHaveLength(3);
    breaker.dispose();
  });

  it('honours Retry-After (seconds, capped by maxRetryAfterMs) and HTTP-dates', async () => {
    const s = await testHttpServer((_req, res, _b, seen) => {
      const i = s.requests.indexOf(seen);
      if (i === 0) {
        res.writeHead(503, { 'retry-after': '1' });
        res.end();
        return;
      }
      if (i === 2) {
        res.writeHead(429, { 'retry-after': new Date(Date.now() - 5000).toUTCString() });
        res.end();
        return;
      }
      res.end('ok');
    });
    const at: number[] = [];
    const f = createFetch({
      policy: retry({ maxAttempts: 3, backoff: constantBackoff(5_000) }),
      maxRetryAfterMs: 150,
      fetch: (i, init) => {
        at.push(Date.now());
        return fetch(i, init);
      },
    });
    expect((await f(`${s.url}/a`)).status).toBe(200);
    const waited = at[1]! - at[0]!;
    expect(waited).toBeGreaterThanOrEqual(140);
    expect(waited).toBeLessThan(1000);
    // An HTTP-date in the past means "now" (not the 5 s backoff).
    expect((await f(`${s.url}/b`)).status).toBe(200);
    expect(at[3]! - at[2]!).toBeLessThan(1000);
  });

  it('a timeout aborts the real request: the server sees the connection close', async () => {
    const s = await testHttpServer(() => {
      /* never answers */
    });
    const f = createFetch({ policy: timeout(100) });
    await expect(f(`${s.url}/slow`)).rejects.toBeInstanceOf(TimeoutError);
    await waitFor(() => s.aborted.length === 1);
    expect(s.requests).toHaveLength(1);
  });

  it('4xx passes through uncounted', async () => {
    const s = await testHttpServer((_req, res) => {
      res.statusCode = 404;
      res.end('nope');
    });
    const breaker = circuitBreaker({ name: 'fetch-int-404', trip: consecutiveFailures(1) });
    const f = createFetch({ policy: pipeline(fastRetry(), breaker) });
    for (let i = 0; i < 3; i++) {
      const res = await f(`${s.url}/missing`);
      expect(res.status).toBe(404);
      expect(await res.text()).toBe('nope');
    }
    expect(s.requests).toHaveLength(3);
    expect(breaker.state).toBe('closed');
    expect(breaker.metrics().failures).toBe(0);
    breaker.dispose();
  });

  it('rejects with the last network error when the server is gone', async () => {
    const s = await testHttpServer();
    const url = s.url;
    await s.close();
    const f = createFetch({ policy: fastRetry() });
    const err = await f(`${url}/x`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TypeError);
  });
});
