import {
  BrokenCircuitError,
  TimeoutError,
  circuitBreaker,
  consecutiveFailures,
  constantBackoff,
  loadBalancer,
  pipeline,
  retry,
  roundRobin,
  timeout,
} from '@breakwater/core';
import { createTRPCClient, httpBatchLink, httpLink, TRPCClientError } from '@trpc/client';
import { describe, expect, it, onTestFinished } from 'vitest';
import { waitFor } from '@breakwater/testkit';
import { balancedLink, resilienceLink } from './index.js';
import { startTrpcServer, type TestRouter, type TestTrpcServer } from './test-support/trpc-server.js';

async function server(id: string, failFirst = 0): Promise<TestTrpcServer> {
  const s = await startTrpcServer(id, failFirst);
  onTestFinished(() => s.close());
  return s;
}
const fastRetry = (n = 3) => retry({ maxAttempts: n, backoff: constantBackoff(0) });

describe('resilienceLink against a real tRPC standalone server', () => {
  it('retries queries on INTERNAL_SERVER_ERROR', async () => {
    const s = await server('a', 2);
    const client = createTRPCClient<TestRouter>({
      links: [resilienceLink({ policy: fastRetry() }), httpLink({ url: s.url })],
    });
    expect(await client.flaky.query()).toEqual({ n: 3, from: 'a' });
    expect(s.hits.calls.flaky).toBe(3);
  });

  it('rejects with the last TRPCClientError when retries run out', async () => {
    const s = await server('a', 10);
    const client = createTRPCClient<TestRouter>({
      links: [resilienceLink({ policy: fastRetry() }), httpLink({ url: s.url })],
    });
    const err = await client.flaky.query().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TRPCClientError);
    expect((err as TRPCClientError<TestRouter>).data?.code).toBe('INTERNAL_SERVER_ERROR');
    expect(s.hits.calls.flaky).toBe(3);
  });

  it('does not retry mutations by default; does with retryMutations', async () => {
    const s = await server('a', 1);
    const plain = createTRPCClient<TestRouter>({
      links: [resilienceLink({ policy: fastRetry() }), httpLink({ url: s.url })],
    });
    await expect(plain.create.mutate({ title: 't1' })).rejects.toBeInstanceOf(TRPCClientError);
    expect(s.hits.calls.create).toBe(1);
    s.plan.failFirst = 2;
    const opted = createTRPCClient<TestRouter>({
      links: [resilienceLink({ policy: fastRetry(), retryMutations: true }), httpLink({ url: s.url })],
    });
    expect(await opted.create.mutate({ title: 't2' })).toEqual({ id: 3, title: 't2', from: 'a' });
    expect(s.hits.created).toEqual([{ title: 't1' }, { title: 't2' }, { title: 't2' }]);
  });

  it('BAD_REQUEST passes through, is not retried and does not count against the breaker', async () => {
    const s = await server('a');
    const breaker = circuitBreaker({ name: 'trpc-bad', trip: consecutiveFailures(1) });
    onTestFinished(() => breaker.dispose());
    const client = createTRPCClient<TestRouter>({
      links: [resilienceLink({ policy: pipeline(fastRetry(), breaker) }), httpLink({ url: s.url })],
    });
    for (let i = 0; i < 3; i++) {
      const err = await client.bad.query().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TRPCClientError);
      expect((err as TRPCClientError<TestRouter>).data?.code).toBe('BAD_REQUEST');
    }
    expect(s.hits.calls.bad).toBe(3);
    expect(breaker.state).toBe('closed');
    expect(breaker.metrics().failures).toBe(0);
  });

  it('an open breaker rejects with TRPCClientError (cause BrokenCircuitError), the server sees nothing', async () => {
    const s = await server('a');
    const breaker = circuitBreaker({ name: 'trpc-open', trip: consecutiveFailures(2), halfOpenAfterMs: 60_000 });
    onTestFinished(() => breaker.dispose());
    const client = createTRPCClient<TestRouter>({
      links: [resilienceLink({ policy: breaker }), httpLink({ url: s.url })],
    });
    await expect(client.unavailable.query()).rejects.toBeInstanceOf(TRPCClientError);
    await expect(client.unavailable.query()).rejects.toBeInstanceOf(TRPCClientError);
    const err = await client.unavailable.query().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TRPCClientError);
    expect((err as TRPCClientError<TestRouter>).cause).toBeInstanceOf(BrokenCircuitError);
    expect(s.hits.calls.unavailable).toBe(2);
  });

  it('a timeout unsubscribes and aborts the real request (the server sees the close)', async () => {
    const s = await server('a');
    const client = createTRPCClient<TestRouter>({
      links: [resilienceLink({ policy: timeout(100) }), httpLink({ url: s.url })],
    });
    const err = await client.slow.query().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TRPCClientError);
    expect((err as TRPCClientError<TestRouter>).cause).toBeInstanceOf(TimeoutError);
    await waitFor(() => s.hits.aborted === 1);
  });

  it('honours Retry-After from the HTTP response', async () => {
    const s = await server('a');
    const client = createTRPCClient<TestRouter>({
      links: [
        resilienceLink({ policy: retry({ maxAttempts: 2, backoff: constantBackoff(0) }) }),
        httpLink({ url: s.url }),
      ],
    });
    const t0 = Date.now();
    expect(await client.limited.query()).toBe(2);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(950);
  });

  it("the caller's abort stops the call", async () => {
    const s = await server('a');
    const client = createTRPCClient<TestRouter>({
      links: [resilienceLink({ policy: fastRetry() }), httpLink({ url: s.url })],
    });
    const ac = new AbortController();
    const p = client.slow.query(undefined, { signal: ac.signal });
    await waitFor(() => s.hits.calls.slow === 1);
    ac.abort();
    await expect(p).rejects.toBeInstanceOf(TRPCClientError);
    await waitFor(() => s.hits.aborted === 1);
    expect(s.hits.calls.slow).toBe(1);
  });
});

describe('balancedLink against real tRPC servers', () => {
  it('spreads operations across endpoints', async () => {
    const s = await Promise.all(['a', 'b', 'c'].map((id) => server(id)));
    const lb = loadBalancer({ endpoints: s.map((x) => ({ id: x.id, url: x.url })), strategy: roundRobin() });
    onTestFinished(() => lb.close());
    const client = createTRPCClient<TestRouter>({
      links: [balancedLink({ balancer: lb, link: (ep) => httpLink({ url: ep.url }) })],
    });
    const seen: string[] = [];
    for (let i = 0; i < 9; i++) seen.push(await client.whoami.query());
    expect(seen.sort()).toEqual(['a', 'a', 'a', 'b', 'b', 'b', 'c', 'c', 'c']);
  });

  it('fails over between two servers when one is down', async () => {
    const [a, b] = await Promise.all([server('a'), server('b')]);
    const lb = loadBalancer({ endpoints: [a!, b!].map((x) => ({ id: x.id, url: x.url })), strategy: roundRobin() });
    onTestFinished(() => lb.close());
    const client = createTRPCClient<TestRouter>({
      links: [balancedLink({ balancer: lb, link: (ep) => httpBatchLink({ url: ep.url }) })],
    });
    await a!.close();
    for (let i = 0; i < 6; i++) expect(await client.whoami.query()).toBe('b');
    // A mutation that could not even connect is safe to send to the other server.
    const tried: string[] = [];
    lb.on('request', (e) => tried.push(e.endpoint));
    expect(await client.create.mutate({ title: 'x' })).toMatchObject({ from: 'b' });
    expect(tried).toEqual(['a', 'b']);
  });

  it('fails over on a 5xx from one endpoint', async () => {
    const [a, b] = await Promise.all([server('a', 100), server('b', 0)]);
    const lb = loadBalancer({ endpoints: [a!, b!].map((x) => ({ id: x.id, url: x.url })), strategy: roundRobin() });
    onTestFinished(() => lb.close());
    const client = createTRPCClient<TestRouter>({
      links: [balancedLink({ balancer: lb, link: (ep) => httpLink({ url: ep.url }) })],
    });
    for (let i = 0; i < 4; i++) expect((await client.flaky.query()).from).toBe('b');
  });

  it('batching still works through balancedLink', async () => {
    const [a] = await Promise.all([server('a')]);
    const lb = loadBalancer({ endpoints: [{ id: 'a', url: a!.url }], strategy: roundRobin() });
    onTestFinished(() => lb.close());
    const client = createTRPCClient<TestRouter>({
      links: [
        resilienceLink({ policy: fastRetry() }),
        balancedLink({ balancer: lb, link: (ep) => httpBatchLink({ url: ep.url }) }),
      ],
    });
    const [x, y, z] = await Promise.all([
      client.greet.query({ name: 'x' }),
      client.greet.query({ name: 'y' }),
      client.whoami.query(),
    ]);
    expect([x.text, y.text, z]).toEqual(['hi x', 'hi y', 'a']);
    expect(a!.hits.http).toBe(1);
  });
});
