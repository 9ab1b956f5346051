import { consistentHash, constantBackoff, loadBalancer, retry, roundRobin, type Endpoint } from '@breakwater/core';
import { waitFor, type TestHttpServer } from '@breakwater/testkit';
import { testHttpServer } from '@breakwater/testkit/vitest';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createFetch } from './index.js';

function fleet(n: number): Promise<TestHttpServer[]> {
  return Promise.all(
    Array.from({ length: n }, (_, i) =>
      testHttpServer((req, res) => {
        res.end(`s${i} ${req.url}`);
      }),
    ),
  );
}

function tcpSockets(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;
}

describe('@breakwater/fetch with a load balancer (3 real servers)', () => {
  it('spreads relative URLs across the endpoints and fails over when one is closed', async () => {
    const s = await fleet(3);
    const endpoints: Endpoint[] = s.map((x, i) => ({ id: `s${i}`, url: x.url }));
    const lb = loadBalancer({ endpoints, strategy: roundRobin() });
    const f = createFetch({ balancer: lb, policy: retry({ maxAttempts: 3, backoff: constantBackoff(0) }) });
    onTestFinished(async () => {
      await f.close();
      await lb.close();
    });

    for (let i = 0; i < 30; i++) {
      const res = await f(`/items/${i}?q=1`);
      expect(res.status).toBe(200);
      expect(await res.text()).toMatch(new RegExp(`^s\\d /items/${i}\\?q=1$`));
    }
    expect(s.map((x) => x.requests.length)).toEqual([10, 10, 10]);

    await s[1]!.close();
    const bodies: string[] = [];
    for (let i = 0; i < 30; i++) {
      const res = await f('/after');
      expect(res.status).toBe(200);
      bodies.push(await res.text());
    }
    expect(bodies.every((b) => b.startsWith('s0') || b.startsWith('s2'))).toBe(true);
    expect(s[0]!.requests.length + s[2]!.requests.length).toBe(50);
  });

  it('routes a sticky cookie to the same endpoint with consistent hashing', async () => {
    const s = await fleet(3);
    const lb = loadBalancer({ endpoints: s.map((x, i) => ({ id: `s${i}`, url: x.url })), strategy: consistentHash() });
    const f = createFetch({ balancer: lb, stickyKey: { cookie: 'session_id' } });
    onTestFinished(async () => {
      await f.close();
      await lb.close();
    });
    for (const user of ['alice', 'bob', 'carol', 'dave']) {
      const seen = new Set<string>();
      for (let i = 0; i < 5; i++) {
        const res = await f('/me', { headers: { cookie: `theme=dark; session_id=${user}` } });
        seen.add((await res.text()).slice(0, 2));
      }
      expect(seen.size).toBe(1);
    }
  });

  it('reuses keep-alive connections: M requests over at most maxConnections sockets', async () => {
    const [a] = await fleet(1);
    const lb = loadBalancer({ endpoints: [{ id: 'a', url: a!.url, maxConnections: 2 }], strategy: roundRobin() });
    const f = createFetch({ balancer: lb });
    onTestFinished(async () => {
      await f.close();
      await lb.close();
    });
    // Two callers in parallel (the balancer fails fast beyond maxConnections, it does not queue).
    const worker = async (): Promise<void> => {
      for (let i = 0; i < 20; i++) await (await f('/r')).text();
    };
    await Promise.all([worker(), worker()]);
    expect(a!.requests).toHaveLength(40);
    expect(a!.connections()).toBeLessThanOrEqual(2);
  });

  it('the pool caps sockets per endpoint even when callers exceed it (requests queue in the pool)', async () => {
    const [a] = await fleet(1);
    const lb = loadBalancer({ endpoints: [{ id: 'a', url: a!.url }], strategy: roundRobin() });
    const f = createFetch({ balancer: lb, pooling: { connections: 3 } });
    onTestFinished(async () => {
      await f.close();
      await lb.close();
    });
    const res = await Promise.all(Array.from({ length: 30 }, () => f('/r').then((r) => r.text())));
    expect(res).toHaveLength(30);
    expect(a!.connections()).toBeLessThanOrEqual(3);
  });

  it("closes an endpoint's pool when outlier detection ejects it", async () => {
    const s = await fleet(2);
    s[0]!.handle((_req, res) => {
      res.statusCode = 503;
      res.end('sick');
    });
    const lb = loadBalancer({
      endpoints: s.map((x, i) => ({ id: `s${i}`, url: x.url })),
      strategy: roundRobin(),
      outlierDetection: { consecutiveFailures: 2, baseEjectionMs: 60_000, maxEjectionPercent: 50 },
    });
    const f = createFetch({ balancer: lb });
    onTestFinished(async () => {
      await f.close();
      await lb.close();
    });
    const ejected: string[] = [];
    lb.on('ejection', (e) => {
      if (e.ejected === true) ejected.push(String(e.endpoint));
    });
    for (let i = 0; i < 6; i++) await (await f('/x')).text();
    expect(ejected).toEqual(['s0']);
    // The sick server's keep-alive sockets are closed by the client once its pool is retired.
    await waitFor(() => s[0]!.openConnections() === 0);
    expect(s[1]!.openConnections()).toBeGreaterThan(0);
  });

  it('retires pools of endpoints removed by balancer.update()', async () => {
    const s = await fleet(2);
    const lb = loadBalancer({ endpoints: s.map((x, i) => ({ id: `s${i}`, url: x.url })), strategy: roundRobin() });
    const f = createFetch({ balancer: lb });
    onTestFinished(async () => {
      await f.close();
      await lb.close();
    });
    for (let i = 0; i < 4; i++) await (await f('/x')).text();
    expect(s[0]!.openConnections()).toBe(1);
    lb.update([{ id: 's1', url: s[1]!.url }]);
    await new Promise((r) => setTimeout(r, 1050));
    await (await f('/x')).text();
    await waitFor(() => s[0]!.openConnections() === 0);
  });

  it('turns credentials in an endpoint URL into Basic auth (fetch refuses credentialed URLs)', async () => {
    const [a] = await fleet(1);
    const url = a!.url.replace('http://', 'http://svc:p%40ss@');
    const lb = loadBalancer({ endpoints: [{ id: 'a', url }], strategy: roundRobin() });
    const f = createFetch({ balancer: lb });
    onTestFinished(async () => {
      await f.close();
      await lb.close();
    });
    expect((await f('/x')).status).toBe(200);
    expect((await f('/y', { headers: { authorization: 'Bearer mine' } })).status).toBe(200);
    expect(a!.requests.map((r) => r.headers.authorization)).toEqual([
      `Basic ${Buffer.from('svc:p@ss').toString('base64')}`,
      'Bearer mine',
    ]);
  });

  it('close() leaves no open handles', async () => {
    const before = tcpSockets();
    const s = await fleet(3);
    const lb = loadBalancer({ endpoints: s.map((x, i) => ({ id: `s${i}`, url: x.url })), strategy: roundRobin() });
    const f = createFetch({ balancer: lb });
    await Promise.all(Array.from({ length: 12 }, () => f('/x').then((r) => r.text())));
    expect(tcpSockets()).toBeGreaterThan(before);
    await f.close();
    // The client side closed its keep-alive sockets: the servers see every connection go away.
    await waitFor(() => s.every((x) => x.openConnections() === 0));
    await lb.close();
    await Promise.all(s.map((x) => x.close()));
    await waitFor(() => tcpSockets() <= before);
  });
});
