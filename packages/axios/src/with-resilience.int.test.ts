import {
  BrokenCircuitError,
  TimeoutError,
  circuitBreaker,
  consecutiveFailures,
  consistentHash,
  constantBackoff,
  loadBalancer,
  pipeline,
  retry,
  roundRobin,
  timeout,
} from '@breakwater/core';
import { firstTryPerBody, startTestHttpServer, waitFor } from '@breakwater/testkit';
import { testHttpServer } from '@breakwater/testkit/vitest';
import axios, { AxiosError } from 'axios';
import { describe, expect, it, onTestFinished } from 'vitest';
import { withResilience } from './index.js';

const fastRetry = (n = 3) => retry({ maxAttempts: n, backoff: constantBackoff(0) });
function install(instance: ReturnType<typeof axios.create>, o: Parameters<typeof withResilience>[1]): void {
  onTestFinished(withResilience(instance, o));
}

describe('@breakwater/axios against real node:http servers', () => {
  it('retries a GET on 503 then succeeds; interceptors ran once, headers intact on every attempt', async () => {
    const s = await testHttpServer((_req, res, _b, seen) => {
      if (s.requests.indexOf(seen) === 0) {
        res.statusCode = 503;
        res.end('busy');
      } else res.end('{"ok":true}');
    });
    const api = axios.create({ baseURL: s.url, headers: { 'x-static': 'a' } });
    let interceptorRuns = 0;
    api.interceptors.request.use((c) => {
      interceptorRuns++;
      c.headers.set('authorization', 'Bearer t0k3n');
      return c;
    });
    install(api, { policy: fastRetry() });
    const res = await api.get<{ ok: boolean }>('/thing');
    expect(res.status).toBe(200);
    expect(res.data).toEqual({ ok: true });
    expect(interceptorRuns).toBe(1);
    expect(s.requests.map((r) => [r.headers['x-static'], r.headers.authorization])).toEqual([
      ['a', 'Bearer t0k3n'],
      ['a', 'Bearer t0k3n'],
    ]);
  });

  it('rejects with the last AxiosError when retries run out', async () => {
    const s = await testHttpServer((_req, res) => {
      res.statusCode = 502;
      res.end('bad gateway');
    });
    const api = axios.create({ baseURL: s.url });
    install(api, { policy: fastRetry() });
    const err = await api.get('/x').catch((e: unknown) => e);
    expect(axios.isAxiosError(err)).toBe(true);
    expect((err as AxiosError).response?.status).toBe(502);
    expect(s.requests).toHaveLength(3);
  });

  it('does not retry a POST without Idempotency-Key; retries it with one, body intact', async () => {
    const s = await testHttpServer(firstTryPerBody(503, 201, '{}'));
    const api = axios.create({ baseURL: s.url });
    install(api, { policy: fastRetry() });
    await expect(api.post('/orders', { n: 1 })).rejects.toMatchObject({ response: { status: 503 } });
    expect(s.requests).toHaveLength(1);
    const res = await api.post('/orders', { n: 2 }, { headers: { 'Idempotency-Key': 'o-2' } });
    expect(res.status).toBe(201);
    expect(s.requests.slice(1).map((r) => [r.body, r.headers['idempotency-key'], r.headers['content-type']])).toEqual([
      ['{"n":2}', 'o-2', 'application/json'],
      ['{"n":2}', 'o-2', 'application/json'],
    ]);
  });

  it('opens the breaker, then rejects with BrokenCircuitError without hitting the server', async () => {
    const s = await testHttpServer((_req, res) => {
      res.statusCode = 500;
      res.end();
    });
    const breaker = circuitBreaker({ name: 'axios-int-open', trip: consecutiveFailures(2), halfOpenAfterMs: 60_000 });
    onTestFinished(() => breaker.dispose());
    const api = axios.create({ baseURL: s.url });
    install(api, { policy: breaker });
    await expect(api.get('/x')).rejects.toBeInstanceOf(AxiosError);
    await expect(api.get('/x')).rejects.toBeInstanceOf(AxiosError);
    await expect(api.get('/x')).rejects.toBeInstanceOf(BrokenCircuitError);
    expect(s.requests).toHaveLength(2);
  });

  it('honours Retry-After capped by maxRetryAfterMs', async () => {
    const s = await testHttpServer((_req, res, _b, seen) => {
      if (s.requests.indexOf(seen) === 0) {
        res.writeHead(429, { 'retry-after': '1' });
        res.end();
      } else res.end('ok');
    });
    const at: number[] = [];
    const api = axios.create({ baseURL: s.url });
    api.interceptors.request.use((c) => c);
    install(api, { policy: retry({ maxAttempts: 2, backoff: constantBackoff(5000) }), maxRetryAfterMs: 120 });
    const t0 = Date.now();
    expect((await api.get('/x')).status).toBe(200);
    at.push(Date.now() - t0);
    expect(at[0]).toBeGreaterThanOrEqual(110);
    expect(at[0]).toBeLessThan(1000);
  });

  it('a timeout aborts the real request (server sees close) and rejects with TimeoutError', async () => {
    const s = await testHttpServer(() => {
      /* never answers */
    });
    const api = axios.create({ baseURL: s.url });
    install(api, { policy: timeout(100) });
    await expect(api.get('/slow')).rejects.toBeInstanceOf(TimeoutError);
    await waitFor(() => s.aborted.length === 1);
  });

  it('4xx passes through as AxiosError and does not count', async () => {
    const s = await testHttpServer((_req, res) => {
      res.statusCode = 404;
      res.end();
    });
    const breaker = circuitBreaker({ name: 'axios-int-404', trip: consecutiveFailures(1) });
    onTestFinished(() => breaker.dispose());
    const api = axios.create({ baseURL: s.url });
    install(api, { policy: pipeline(fastRetry(), breaker) });
    for (let i = 0; i < 3; i++) await expect(api.get('/missing')).rejects.toMatchObject({ response: { status: 404 } });
    expect(s.requests).toHaveLength(3);
    expect(breaker.state).toBe('closed');
    expect(breaker.metrics().failures).toBe(0);
  });

  it('a 503 accepted by validateStatus resolves after retries but still counts', async () => {
    const s = await testHttpServer((_req, res) => {
      res.statusCode = 503;
      res.end('x');
    });
    const breaker = circuitBreaker({ name: 'axios-int-vs', trip: consecutiveFailures(10) });
    onTestFinished(() => breaker.dispose());
    const api = axios.create({ baseURL: s.url, validateStatus: () => true });
    install(api, { policy: pipeline(fastRetry(), breaker) });
    const res = await api.get('/x');
    expect(res.status).toBe(503);
    expect(s.requests).toHaveLength(3);
    expect(breaker.metrics().failures).toBe(3);
  });

  it('eject restores the instance exactly', async () => {
    const s = await testHttpServer((_req, res) => {
      res.statusCode = 503;
      res.end();
    });
    const api = axios.create({ baseURL: s.url });
    const before = api.defaults.adapter;
    const eject = withResilience(api, { policy: fastRetry() });
    await expect(api.get('/x')).rejects.toBeInstanceOf(AxiosError);
    expect(s.requests).toHaveLength(3);
    eject();
    eject();
    expect(api.defaults.adapter).toBe(before);
    await expect(api.get('/x')).rejects.toBeInstanceOf(AxiosError);
    expect(s.requests).toHaveLength(4);
  });

  it('works on the default axios instance', async () => {
    const s = await testHttpServer((_req, res, _b, seen) => {
      if (s.requests.indexOf(seen) === 0) {
        res.statusCode = 503;
        res.end();
      } else res.end('ok');
    });
    const eject = withResilience(axios, { policy: fastRetry() });
    try {
      expect((await axios.get(`${s.url}/x`)).data).toBe('ok');
      expect(s.requests).toHaveLength(2);
    } finally {
      eject();
    }
  });
});

describe('@breakwater/axios with a load balancer', () => {
  it('spreads relative URLs across 3 servers and fails over when one is closed', async () => {
    const s = await Promise.all(
      [0, 1, 2].map((i) =>
        testHttpServer((req, res) => {
          res.end(`s${i} ${req.url}`);
        }),
      ),
    );
    const lb = loadBalancer({ endpoints: s.map((x, i) => ({ id: `s${i}`, url: x.url })), strategy: roundRobin() });
    onTestFinished(() => lb.close());
    const api = axios.create();
    install(api, { balancer: lb, policy: fastRetry() });
    for (let i = 0; i < 30; i++)
      expect((await api.get<string>(`/items/${i}`, { params: { q: 1 } })).data).toMatch(
        new RegExp(`^s\\d /items/${i}\\?q=1$`),
      );
    expect(s.map((x) => x.requests.length)).toEqual([10, 10, 10]);
    await s[1]!.close();
    for (let i = 0; i < 30; i++) expect((await api.get<string>('/after')).data).toMatch(/^s[02]/);
    expect(s[0]!.requests.length + s[2]!.requests.length).toBe(50);
  });

  it('reuses keep-alive connections: M requests over at most maxConnections sockets', async () => {
    const a = await testHttpServer((_req, res) => {
      res.end('ok');
    });
    const lb = loadBalancer({ endpoints: [{ id: 'a', url: a.url, maxConnections: 2 }], strategy: roundRobin() });
    onTestFinished(() => lb.close());
    const api = axios.create();
    install(api, { balancer: lb });
    const worker = async (): Promise<void> => {
      for (let i = 0; i < 20; i++) await api.get('/r');
    };
    await Promise.all([worker(), worker()]);
    expect(a.requests).toHaveLength(40);
    expect(a.connections()).toBeLessThanOrEqual(2);
  });

  it('routes a sticky header to one endpoint with consistent hashing', async () => {
    const s = await Promise.all(
      [0, 1, 2].map((i) =>
        testHttpServer((_req, res) => {
          res.end(`s${i}`);
        }),
      ),
    );
    const lb = loadBalancer({ endpoints: s.map((x, i) => ({ id: `s${i}`, url: x.url })), strategy: consistentHash() });
    onTestFinished(() => lb.close());
    const api = axios.create();
    install(api, { balancer: lb, stickyKey: { header: 'x-user' } });
    for (const user of ['u1', 'u2', 'u3', 'u4']) {
      const seen = new Set<string>();
      for (let i = 0; i < 4; i++) seen.add((await api.get<string>('/me', { headers: { 'x-user': user } })).data);
      expect(seen.size).toBe(1);
    }
  });

  it('closes the keep-alive sockets of an endpoint ejected by outlier detection', async () => {
    const sick = await testHttpServer((_req, res) => {
      res.statusCode = 503;
      res.end();
    });
    const well = await testHttpServer((_req, res) => {
      res.end('ok');
    });
    const lb = loadBalancer({
      endpoints: [
        { id: 'sick', url: sick.url },
        { id: 'well', url: well.url },
      ],
      strategy: roundRobin(),
      outlierDetection: { consecutiveFailures: 2, baseEjectionMs: 60_000, maxEjectionPercent: 50 },
    });
    onTestFinished(() => lb.close());
    const api = axios.create({ validateStatus: () => true });
    install(api, { balancer: lb, isFailure: (x) => (x as { status?: number }).status === 503 });
    for (let i = 0; i < 6; i++) await api.get('/x');
    expect(lb.endpoints().find((e) => e.id === 'sick')?.ejected).toBe(true);
    await waitFor(() => sick.openConnections() === 0, { what: 'sick endpoint sockets closed' });
    expect(well.openConnections()).toBeGreaterThan(0);
  });

  it('eject closes the agents and leaves no open handles', async () => {
    const tcp = (): number => process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;
    const before = tcp();
    const s = await Promise.all([0, 1, 2].map(() => startTestHttpServer()));
    const lb = loadBalancer({ endpoints: s.map((x, i) => ({ id: `s${i}`, url: x.url })), strategy: roundRobin() });
    const api = axios.create();
    const eject = withResilience(api, { balancer: lb });
    await Promise.all(Array.from({ length: 12 }, () => api.get('/x')));
    expect(tcp()).toBeGreaterThan(before);
    eject();
    // The client side closes its keep-alive sockets: the servers see every connection go away.
    await waitFor(() => s.every((x) => x.openConnections() === 0));
    await lb.close();
    await Promise.all(s.map((x) => x.close()));
    await waitFor(() => tcp() <= before);
  });
});
