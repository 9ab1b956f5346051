import { loadBalancer, roundRobin } from '@breakwater/core';
import { redirectingOrigins as twoOrigins } from '@breakwater/testkit/vitest';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createFetch } from './index.js';

describe('@breakwater/fetch: redirects with per-endpoint pools (16.5)', () => {
  it("a cross-origin redirect is followed to origin B (not sent to A's pool); res.url names B", async () => {
    const { a, b } = await twoOrigins();
    const lb = loadBalancer({ endpoints: [{ id: 'a', url: a.url, maxConnections: 4 }], strategy: roundRobin() });
    const f = createFetch({ balancer: lb });
    onTestFinished(async () => {
      await f.close();
      await lb.close();
    });
    const res = await f('/go');
    expect(res.status).toBe(200);
    expect(res.url).toBe(`${b.url}/there`);
    expect(res.redirected).toBe(true);
    expect(await res.text()).toBe('B GET /there auth=- cookie=-');
    expect(a.requests.map((r) => r.url)).toEqual(['/go']);
    expect(b.requests).toHaveLength(1);
  });

  it("credentials do not cross origins: the endpoint's Basic auth and the caller's Authorization are stripped for B", async () => {
    const { a, b } = await twoOrigins();
    const withCreds = a.url.replace('http://', 'http://svc:secret@');
    const lb = loadBalancer({ endpoints: [{ id: 'a', url: withCreds }], strategy: roundRobin() });
    const f = createFetch({ balancer: lb });
    onTestFinished(async () => {
      await f.close();
      await lb.close();
    });
    expect(await (await f('/go')).text()).toBe('B GET /there auth=- cookie=-');
    expect(a.requests[0]!.headers.authorization).toMatch(/^Basic /);
    expect(await (await f('/go', { headers: { authorization: 'Bearer t' } })).text()).toBe(
      'B GET /there auth=- cookie=-',
    );
    expect(b.requests).toHaveLength(2);
  });

  it("same-origin redirects stay on the endpoint's pool and keep credentials", async () => {
    const { a } = await twoOrigins();
    const lb = loadBalancer({
      endpoints: [{ id: 'a', url: a.url.replace('http://', 'http://svc:secret@'), maxConnections: 1 }],
      strategy: roundRobin(),
    });
    const f = createFetch({ balancer: lb });
    onTestFinished(async () => {
      await f.close();
      await lb.close();
    });
    const res = await f('/same');
    expect(await res.text()).toMatch(/^A \/here auth=Basic /);
    expect(res.url).toBe(`${a.url}/here`);
    expect(a.connections()).toBe(1);
  });

  it('a 303 to origin B becomes a GET there, as fetch does; redirect: "manual" returns the 3xx unfollowed', async () => {
    const { a, b } = await twoOrigins(303);
    const lb = loadBalancer({ endpoints: [{ id: 'a', url: a.url }], strategy: roundRobin() });
    const f = createFetch({ balancer: lb, retryNonIdempotent: true });
    onTestFinished(async () => {
      await f.close();
      await lb.close();
    });
    expect(await (await f('/go', { method: 'POST', body: 'x' })).text()).toBe('B GET /there auth=- cookie=-');
    const manual = await f('/go', { redirect: 'manual' });
    expect(manual.status).toBe(303);
    expect(manual.headers.get('location')).toBe(`${b.url}/there`);
    await manual.body?.cancel();
    expect(b.requests).toHaveLength(1);
  });
});
