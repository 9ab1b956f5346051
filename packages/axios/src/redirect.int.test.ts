import { loadBalancer, roundRobin } from '@breakwater/core';
import { redirectingOrigins as twoOrigins } from '@breakwater/testkit/vitest';
import axios from 'axios';
import { describe, expect, it, onTestFinished } from 'vitest';
import { withResilience } from './index.js';

function balanced(url: string, maxConnections?: number) {
  const lb = loadBalancer({
    endpoints: [{ id: 'a', url, ...(maxConnections === undefined ? {} : { maxConnections }) }],
    strategy: roundRobin(),
  });
  onTestFinished(() => lb.close());
  const api = axios.create();
  onTestFinished(withResilience(api, { balancer: lb }));
  return api;
}

describe('@breakwater/axios: redirects with per-endpoint agents (16.5)', () => {
  it("a cross-origin redirect is followed to origin B with B's connections; the response names B", async () => {
    const { a, b } = await twoOrigins();
    const api = balanced(a.url, 2);
    const res = await api.get<string>('/go');
    expect(res.data).toBe('B GET /there auth=- cookie=-');
    expect((res.request as { res: { responseUrl: string } }).res.responseUrl).toBe(`${b.url}/there`);
    expect(a.requests.map((r) => r.url)).toEqual(['/go']);
    expect(b.requests).toHaveLength(1);
  });

  it('credentials do not cross origins: endpoint Basic auth and caller Authorization are stripped for B', async () => {
    const { a, b } = await twoOrigins();
    const api = balanced(a.url.replace('http://', 'http://svc:secret@'));
    expect((await api.get<string>('/go')).data).toBe('B GET /there auth=- cookie=-');
    expect(a.requests[0]!.headers.authorization).toMatch(/^Basic /);
    expect((await api.get<string>('/go', { headers: { authorization: 'Bearer t' } })).data).toBe(
      'B GET /there auth=- cookie=-',
    );
    expect(b.requests).toHaveLength(2);
  });

  it("same-origin redirects reuse the endpoint's agent and keep its credentials", async () => {
    const { a } = await twoOrigins();
    const api = balanced(a.url.replace('http://', 'http://svc:secret@'), 1);
    expect((await api.get<string>('/same')).data).toMatch(/^A \/here auth=Basic /);
  });

  it('a redirect from an http endpoint to an https origin uses https as plain axios does (not our agent)', async () => {
    const { a, b } = await twoOrigins();
    // B speaks plain http, so TLS fails there: what matters is that both fail the same way.
    a.handle((_req, res) => {
      res.writeHead(302, { location: `https://127.0.0.1:${b.port}/tls` });
      res.end();
    });
    const plain = await axios.get(`${a.url}/go`).catch((e: { code?: string }) => e.code);
    const wrapped = await balanced(a.url)
      .get('/go')
      .catch((e: { code?: string }) => e.code);
    expect(wrapped).toBe(plain);
    expect(wrapped).not.toBe('ERR_INVALID_PROTOCOL');
  });

  it('maxRedirects: 0 returns the 3xx unfollowed, as plain axios does', async () => {
    const { a, b } = await twoOrigins();
    const api = balanced(a.url);
    const err = await api.get('/go', { maxRedirects: 0 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ response: { status: 302, headers: { location: `${b.url}/there` } } });
    expect(b.requests).toHaveLength(0);
  });
});
