import { afterEach, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import { createTRPCClient, httpLink } from '@trpc/client';
import { startReplica, type Replica } from '../src/server.js';
import type { ReplicaRouter } from '../src/router.js';

const TOKEN = 'test-token-123';
let replica: Replica | undefined;
afterEach(async () => {
  await replica?.close();
  replica = undefined;
});

async function chaos(r: Replica, body: unknown, token: string | null = TOKEN): Promise<Response> {
  return fetch(`${r.adminUrl}/chaos`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
}

describe('replica', () => {
  it('binds 127.0.0.1 by default and serves /health, REST and tRPC', async () => {
    replica = await startReplica({ id: 'eu-1', region: 'eu', token: TOKEN });
    expect(replica.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(replica.adminUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const health = await fetch(`${replica.url}/health`);
    expect(health.status).toBe(200);
    const rest = await fetch(`${replica.url}/api/work?n=7`);
    expect(rest.headers.get('x-region')).toBe('eu');
    expect(await rest.json()).toMatchObject({ replica: 'eu-1', region: 'eu', n: 7 });
    const client = createTRPCClient<ReplicaRouter>({ links: [httpLink({ url: `${replica.url}/trpc` })] });
    expect(await client.work.query({ n: 3 })).toMatchObject({ replica: 'eu-1', n: 3 });
    expect(await client.echo.mutate({ text: 'hi' })).toMatchObject({ text: 'hi', replica: 'eu-1' });
    expect(replica.stats().requests).toBe(3);
    expect(replica.stats().healthChecks).toBe(1);
  });

  it('rejects chaos requests without the token, with a wrong token, bad bodies and oversized bodies', async () => {
    replica = await startReplica({ id: 'eu-1', region: 'eu', token: TOKEN });
    expect((await chaos(replica, { down: true }, null)).status).toBe(401);
    expect((await chaos(replica, { down: true }, 'test-token-124')).status).toBe(401);
    expect((await fetch(`${replica.adminUrl}/chaos`, { headers: { 'x-chaos-token': 'nope' } })).status).toBe(401);
    expect(replica.chaos().down).toBe(false);
    const bad = await chaos(replica, { errorRate: 2 });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ path: 'chaos.errorRate' });
    const big = await chaos(replica, { latencyMs: 1, pad: 'x'.repeat(20_000) });
    expect(big.status).toBe(413);
    expect((await fetch(`${replica.adminUrl}/chaos`, { headers: { 'x-chaos-token': TOKEN } })).status).toBe(200);
  });

  it('injects errors into the API but not into /health', async () => {
    replica = await startReplica({ id: 'eu-1', region: 'eu', token: TOKEN });
    expect((await chaos(replica, { errorRate: 1 })).status).toBe(200);
    expect((await fetch(`${replica.url}/api/work`)).status).toBe(503);
    const client = createTRPCClient<ReplicaRouter>({ links: [httpLink({ url: `${replica.url}/trpc` })] });
    await expect(client.work.query()).rejects.toMatchObject({ data: { httpStatus: 503 } });
    expect((await fetch(`${replica.url}/health`)).status).toBe(200);
    expect(replica.stats().injectedErrors).toBe(2);
  });

  it('adds latency', async () => {
    replica = await startReplica({ id: 'eu-1', region: 'eu', token: TOKEN });
    await chaos(replica, { latencyMs: 120 });
    const t0 = performance.now();
    await fetch(`${replica.url}/api/work`);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(110);
  });

  it('hard down refuses connections and kills kept-alive sockets; up again on the same port', async () => {
    replica = await startReplica({ id: 'eu-1', region: 'eu', token: TOKEN });
    const r = replica;
    await chaos(r, { hang: true });
    // An in-flight request on a kept-alive socket is cut when the replica goes down.
    const inflight = new Promise<string>((resolve) => {
      const req = request(`${r.url}/api/work`, () => resolve('answered'));
      req.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
      req.end();
    });
    await waitFor(() => r.stats().inFlight === 1);
    await chaos(r, { down: true, hang: false });
    expect(await inflight).toBe('ECONNRESET');
    await expect(fetch(`${r.url}/health`)).rejects.toThrow();
    await chaos(r, { down: false });
    expect((await fetch(`${r.url}/health`)).status).toBe(200);
    expect(r.stats().requestsSinceUp).toBe(0);
  });

  it('hang holds requests until cleared', async () => {
    replica = await startReplica({ id: 'eu-1', region: 'eu', token: TOKEN });
    const r = replica;
    await chaos(r, { hang: true });
    let settled = false;
    const p = fetch(`${r.url}/api/work`).then((res) => {
      settled = true;
      return res.status;
    });
    await waitFor(() => r.stats().inFlight === 1);
    await new Promise((res) => setTimeout(res, 50));
    expect(settled).toBe(false);
    await chaos(r, { hang: false });
    expect(await p).toBe(200);
    expect(r.stats().peakInFlight).toBe(1);
  });
});

async function waitFor(cond: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met');
    await new Promise((r) => setTimeout(r, 5));
  }
}
