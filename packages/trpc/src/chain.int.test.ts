import {
  BrokenCircuitError,
  circuitBreaker,
  consecutiveFailures,
  constantBackoff,
  loadBalancer,
  pipeline,
  retry,
  roundRobin,
} from '@breakwater/core';
import { createTRPCClient, httpBatchLink, httpLink, TRPCClientError } from '@trpc/client';
import { describe, expect, it, onTestFinished } from 'vitest';
import { balancedLink, perProcedure, resilienceLink } from './index.js';
import { startTrpcServer, type TestRouter, type TestTrpcServer } from './test-support/trpc-server.js';

async function server(id: string, failFirst = 0): Promise<TestTrpcServer> {
  const s = await startTrpcServer(id, failFirst);
  onTestFinished(() => s.close());
  return s;
}
const fastRetry = (n = 3) => retry({ maxAttempts: n, backoff: constantBackoff(0) });
function balancerOf(servers: TestTrpcServer[], extra: Partial<Parameters<typeof loadBalancer>[0]> = {}) {
  const lb = loadBalancer({
    endpoints: servers.map((x) => ({ id: x.id, url: x.url })),
    strategy: roundRobin(),
    ...extra,
  });
  onTestFinished(() => lb.close());
  return lb;
}

describe('resilienceLink over balancedLink: how attempts combine', () => {
  it('one endpoint: retry({ maxAttempts: 3 }) reaches the server exactly 3 times (no failover to the same one)', async () => {
    const s = await server('a', 1_000);
    const lb = balancerOf([s]);
    const client = createTRPCClient<TestRouter>({
      links: [
        resilienceLink({ policy: fastRetry(3) }),
        balancedLink({ balancer: lb, link: (ep) => httpLink({ url: ep.url }) }),
      ],
    });
    const err = await client.flaky.query().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TRPCClientError);
    expect((err as TRPCClientError<TestRouter>).data?.code).toBe('INTERNAL_SERVER_ERROR');
    expect(s.hits.calls.flaky).toBe(3);
  });

  it('two endpoints: each attempt fails over once to the other — maxAttempts × (1 + failover) calls', async () => {
    const [a, b] = await Promise.all([server('a', 1_000), server('b', 1_000)]);
    const lb = balancerOf([a!, b!]);
    const order: string[] = [];
    lb.on('request', (e) => order.push(e.endpoint));
    const client = createTRPCClient<TestRouter>({
      links: [
        resilienceLink({ policy: fastRetry(3) }),
        balancedLink({ balancer: lb, link: (ep) => httpLink({ url: ep.url }) }),
      ],
    });
    await expect(client.flaky.query()).rejects.toBeInstanceOf(TRPCClientError);
    expect(a!.hits.calls.flaky! + b!.hits.calls.flaky!).toBe(6);
    for (let i = 0; i < order.length; i += 2) expect(order[i]).not.toBe(order[i + 1]);
  });

  it('failover: 3 with two endpoints stops after both were tried', async () => {
    const [a, b] = await Promise.all([server('a', 1_000), server('b', 1_000)]);
    const lb = balancerOf([a!, b!]);
    const client = createTRPCClient<TestRouter>({
      links: [balancedLink({ balancer: lb, failover: 3, link: (ep) => httpLink({ url: ep.url }) })],
    });
    const err = await client.flaky.query().catch((e: unknown) => e);
    expect((err as TRPCClientError<TestRouter>).data?.code).toBe('INTERNAL_SERVER_ERROR');
    expect([a!.hits.calls.flaky, b!.hits.calls.flaky]).toEqual([1, 1]);
  });

  it('with locality, failover goes to the next region instead of back to the failing local endpoint', async () => {
    const [eu, us] = await Promise.all([server('eu-1', 1_000), server('us-1')]);
    const lb = loadBalancer({
      endpoints: [
        { id: 'eu-1', url: eu!.url, region: 'eu' },
        { id: 'us-1', url: us!.url, region: 'us' },
      ],
      locality: { local: 'eu', order: ['eu', 'us'] },
    });
    onTestFinished(() => lb.close());
    const client = createTRPCClient<TestRouter>({
      links: [balancedLink({ balancer: lb, link: (ep) => httpLink({ url: ep.url }) })],
    });
    expect((await client.flaky.query()).from).toBe('us-1');
    expect(eu!.hits.calls.flaky).toBe(1);
  });
});

describe('retryMutations applies to the whole chain', () => {
  it('set on resilienceLink, honoured when balancedLink terminates the chain', async () => {
    const s = await server('a', 2);
    const lb = balancerOf([s]);
    const client = createTRPCClient<TestRouter>({
      links: [
        resilienceLink({ policy: fastRetry(3), retryMutations: true }),
        balancedLink({ balancer: lb, link: (ep) => httpLink({ url: ep.url }) }),
      ],
    });
    expect(await client.create.mutate({ title: 'x' })).toMatchObject({ id: 3, from: 'a' });
    expect(s.hits.created).toHaveLength(3);
  });

  it('set on balancedLink, honoured by the resilienceLink in front of it', async () => {
    const s = await server('a', 2);
    const lb = balancerOf([s]);
    const client = createTRPCClient<TestRouter>({
      links: [
        resilienceLink({ policy: fastRetry(3) }),
        balancedLink({ balancer: lb, retryMutations: true, link: (ep) => httpLink({ url: ep.url }) }),
      ],
    });
    expect(await client.create.mutate({ title: 'y' })).toMatchObject({ id: 3 });
    expect(s.hits.created).toHaveLength(3);
  });

  it('set nowhere: a failed mutation is sent once', async () => {
    const s = await server('a', 2);
    const lb = balancerOf([s]);
    const client = createTRPCClient<TestRouter>({
      links: [
        resilienceLink({ policy: fastRetry(3) }),
        balancedLink({ balancer: lb, link: (ep) => httpLink({ url: ep.url }) }),
      ],
    });
    await expect(client.create.mutate({ title: 'z' })).rejects.toBeInstanceOf(TRPCClientError);
    expect(s.hits.created).toHaveLength(1);
  });

  it('does not leak between two clients: another chain without the flag still sends mutations once', async () => {
    const s = await server('a', 10);
    const lb = balancerOf([s]);
    createTRPCClient<TestRouter>({
      links: [
        resilienceLink({ policy: fastRetry(3), retryMutations: true }),
        balancedLink({ balancer: lb, link: (ep) => httpLink({ url: ep.url }) }),
      ],
    });
    const plain = createTRPCClient<TestRouter>({
      links: [
        resilienceLink({ policy: fastRetry(3) }),
        balancedLink({ balancer: lb, link: (ep) => httpLink({ url: ep.url }) }),
      ],
    });
    await expect(plain.create.mutate({ title: 'w' })).rejects.toBeInstanceOf(TRPCClientError);
    expect(s.hits.created).toHaveLength(1);
  });
});

describe('perProcedure policies', () => {
  it('one failing procedure opens only its own breaker', async () => {
    const s = await server('a', 1_000);
    const breakers = new Map<string, ReturnType<typeof circuitBreaker>>();
    const policy = perProcedure((path) => {
      const b = circuitBreaker({ name: `api:${path}`, trip: consecutiveFailures(2), halfOpenAfterMs: 60_000 });
      breakers.set(path, b);
      return pipeline(fastRetry(1), b);
    });
    const client = createTRPCClient<TestRouter>({ links: [resilienceLink({ policy }), httpLink({ url: s.url })] });
    for (let i = 0; i < 3; i++) await expect(client.flaky.query()).rejects.toBeInstanceOf(TRPCClientError);
    expect(breakers.get('flaky')!.state).toBe('open');
    expect(s.hits.calls.flaky).toBe(2);
    expect(await client.whoami.query()).toBe('a');
    expect(breakers.get('whoami')!.state).toBe('closed');
  });

  it('keeps at most maxPolicies, closing the least recently used', async () => {
    const closed: string[] = [];
    const choose = perProcedure(
      (key) => ({
        execute: (fn) => Promise.resolve(fn({} as never)),
        close: async () => {
          closed.push(key);
        },
      }),
      { maxPolicies: 2 },
    );
    const op = (path: string) => ({ path }) as Parameters<typeof choose>[0];
    const a = choose(op('a'));
    choose(op('b'));
    expect(choose(op('a'))).toBe(a);
    choose(op('c'));
    expect(closed).toEqual(['b']);
    expect(choose(op('a'))).toBe(a);
  });

  it('rejects bad options with ConfigError naming the field', () => {
    expect(() => perProcedure(() => retry(), { maxPolicies: 0 })).toThrow(/perProcedure\.maxPolicies/);
    expect(() => perProcedure(() => retry(), { maxPolicy: 3 } as never)).toThrow(/perProcedure\.maxPolicy/);
  });

  it('a factory that returns no policy fails the operation with a clear error, not the client', async () => {
    const s = await server('a');
    const client = createTRPCClient<TestRouter>({
      links: [resilienceLink({ policy: () => undefined as never }), httpLink({ url: s.url })],
    });
    const err = await client.whoami.query().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TRPCClientError);
    expect(String((err as Error).message)).toMatch(/resilienceLink\.policy/);
    expect(await createTRPCClient<TestRouter>({ links: [httpLink({ url: s.url })] }).whoami.query()).toBe('a');
  });
});

describe('the server error stays reachable behind a Breakwater rejection', () => {
  it('meta.breakwater.lastError is the server TRPCClientError when the breaker opened during the call', async () => {
    const s = await server('a', 1_000);
    const breaker = circuitBreaker({ name: 'trpc-last-error', trip: consecutiveFailures(1), halfOpenAfterMs: 60_000 });
    onTestFinished(() => breaker.dispose());
    const client = createTRPCClient<TestRouter>({
      links: [resilienceLink({ policy: pipeline(fastRetry(3), breaker) }), httpLink({ url: s.url })],
    });
    const err = (await client.flaky.query().catch((e: unknown) => e)) as TRPCClientError<TestRouter>;
    expect(err).toBeInstanceOf(TRPCClientError);
    expect(err.cause).toBeInstanceOf(BrokenCircuitError);
    const meta = err.meta as { breakwater: { code: string; lastError: TRPCClientError<TestRouter> } };
    expect(meta.breakwater.code).toBe('BW_CIRCUIT_OPEN');
    expect(meta.breakwater.lastError).toBeInstanceOf(TRPCClientError);
    expect(meta.breakwater.lastError.data?.code).toBe('INTERNAL_SERVER_ERROR');
  });
});

describe('credentials in endpoint URLs', () => {
  it('are sent as a Basic Authorization header, never inside the URL (httpLink and httpBatchLink)', async () => {
    const s = await server('a');
    const withCreds = s.url.replace('http://', 'http://svc:s3cr%40t@');
    const lb = loadBalancer({ endpoints: [{ id: 'a', url: withCreds }], strategy: roundRobin() });
    onTestFinished(() => lb.close());
    const seen: string[] = [];
    for (const make of [httpLink, httpBatchLink]) {
      const client = createTRPCClient<TestRouter>({
        links: [
          balancedLink({
            balancer: lb,
            link: (ep, conn) => {
              seen.push(ep.url, conn.url);
              return make({ url: conn.url, headers: conn.headers });
            },
          }),
        ],
      });
      expect(await client.whoami.query()).toBe('a');
    }
    expect(seen.every((u) => !u.includes('s3cr'))).toBe(true);
    expect(s.hits.authorization).toEqual([
      `Basic ${Buffer.from('svc:s3cr@t').toString('base64')}`,
      `Basic ${Buffer.from('svc:s3cr@t').toString('base64')}`,
    ]);
  });

  it('the naive link factory (url only) no longer fails with the password in the error', async () => {
    const s = await server('a');
    const lb = loadBalancer({
      endpoints: [{ id: 'a', url: s.url.replace('http://', 'http://svc:hunter2@') }],
      strategy: roundRobin(),
    });
    onTestFinished(() => lb.close());
    const client = createTRPCClient<TestRouter>({
      links: [balancedLink({ balancer: lb, link: (ep) => httpLink({ url: ep.url }) })],
    });
    expect(await client.whoami.query()).toBe('a');
  });
});
