import { ConfigError, constantBackoff, loadBalancer, retry, roundRobin, timeout, ManualClock } from '@breakwater/core';
import {
  createTRPCClient,
  httpBatchLink,
  httpLink,
  TRPCClientError,
  type Operation,
  type OperationLink,
  type TRPCLink,
} from '@trpc/client';
import type { AnyRouter, inferRouterOutputs } from '@trpc/server';
import { observable } from '@trpc/server/observable';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { balancedLink, resilienceLink } from './index.js';
import type { TestRouter } from './test-support/trpc-server.js';

const op = (type: Operation['type'], signal: AbortSignal | null = null): Operation => ({
  id: 1,
  type,
  input: undefined,
  path: 'p',
  context: {},
  signal,
});

/** A next() whose observable never settles; records subscribe/unsubscribe. */
function hangingNext(): {
  next: (op: Operation) => ReturnType<OperationLink<AnyRouter>>;
  log: string[];
  ops: Operation[];
} {
  const log: string[] = [];
  const ops: Operation[] = [];
  return {
    log,
    ops,
    next: (o) => {
      ops.push(o);
      return observable(() => {
        log.push('subscribe');
        return () => log.push('unsubscribe');
      });
    },
  };
}

describe('resilienceLink (unit)', () => {
  it("keeps the client's inferred types", () => {
    const lb = loadBalancer({ endpoints: [{ id: 'a', url: 'http://127.0.0.1:1' }] });
    const client = createTRPCClient<TestRouter>({
      links: [
        resilienceLink({ policy: retry() }),
        balancedLink({ balancer: lb, link: (ep) => httpBatchLink({ url: ep.url }) }),
      ],
    });
    expectTypeOf(resilienceLink<TestRouter>({ policy: retry() })).toEqualTypeOf<TRPCLink<TestRouter>>();
    expectTypeOf(client.greet.query).parameter(0).toEqualTypeOf<{ name: string }>();
    expectTypeOf<Awaited<ReturnType<typeof client.greet.query>>>().toEqualTypeOf<
      inferRouterOutputs<TestRouter>['greet']
    >();
    expectTypeOf<Awaited<ReturnType<typeof client.create.mutate>>>().toEqualTypeOf<{
      id: number;
      title: string;
      from: string;
    }>();
    void lb.close();
  });

  it('passes subscriptions through untouched', () => {
    const h = hangingNext();
    const link = resilienceLink({ policy: retry() })({});
    const sub = link({ op: op('subscription'), next: h.next as never }).subscribe({});
    expect(h.ops[0]).toEqual(op('subscription'));
    sub.unsubscribe();
    expect(h.log).toEqual(['subscribe', 'unsubscribe']);
  });

  it('unsubscribing aborts the attempt and unsubscribes the inner observable', async () => {
    const h = hangingNext();
    const link = resilienceLink({ policy: retry() })({});
    const sub = link({ op: op('query'), next: h.next as never }).subscribe({});
    await new Promise((r) => setTimeout(r, 0));
    expect(h.log).toEqual(['subscribe']);
    const attemptSignal = h.ops[0]!.signal!;
    sub.unsubscribe();
    expect(attemptSignal.aborted).toBe(true);
    expect(h.log).toEqual(['subscribe', 'unsubscribe']);
  });

  it('a deadline (ManualClock) unsubscribes the inner observable; TRPCClientError(cause TimeoutError)', async () => {
    const clock = new ManualClock();
    const h = hangingNext();
    const link = resilienceLink({ policy: timeout(50, { clock }) })({});
    const errors: unknown[] = [];
    link({ op: op('query'), next: h.next as never }).subscribe({ error: (e) => errors.push(e) });
    await new Promise((r) => setTimeout(r, 0));
    clock.advance(50);
    await new Promise((r) => setTimeout(r, 0));
    expect(h.log).toEqual(['subscribe', 'unsubscribe']);
    expect(errors[0]).toBeInstanceOf(TRPCClientError);
    expect((errors[0] as Error).cause).toMatchObject({ code: 'BW_TIMEOUT' });
  });

  it('retries re-subscribe to next() and the last envelope is delivered', async () => {
    let n = 0;
    const next = (): ReturnType<OperationLink<AnyRouter>> =>
      observable((o) => {
        n++;
        if (n < 3) o.error(TRPCClientError.from(new TypeError('fetch failed')) as never);
        else {
          o.next({ result: { type: 'data', data: n } } as never);
          o.complete();
        }
        return () => undefined;
      });
    const link = resilienceLink({ policy: retry({ maxAttempts: 3, backoff: constantBackoff(0) }) })({});
    const values: unknown[] = [];
    await new Promise<void>((resolve, reject) => {
      link({ op: op('query'), next: next as never }).subscribe({
        next: (v) => values.push(v),
        complete: resolve,
        error: reject,
      });
    });
    expect(values).toEqual([{ result: { type: 'data', data: 3 } }]);
  });

  it('balancedLink pins a subscription to one endpoint and forwards unsubscribe', () => {
    const lb = loadBalancer({
      endpoints: [
        { id: 'a', url: 'http://a' },
        { id: 'b', url: 'http://b' },
      ],
      strategy: roundRobin(),
    });
    const log: string[] = [];
    const link = balancedLink({
      balancer: lb,
      link:
        (ep): TRPCLink<AnyRouter> =>
        () =>
        () =>
          observable((o) => {
            log.push(`sub ${ep.id}`);
            o.next({ result: { type: 'data', data: ep.id } } as never);
            return () => log.push(`unsub ${ep.id}`);
          }),
    })({});
    const values: unknown[] = [];
    const sub = link({
      op: op('subscription'),
      next: (() => {
        throw new Error('terminating');
      }) as never,
    }).subscribe({ next: (v) => values.push(v) });
    sub.unsubscribe();
    expect(log).toEqual(['sub a', 'unsub a']);
    expect(values).toEqual([{ result: { type: 'data', data: 'a' } }]);
    void lb.close();
  });

  it('validates its options', () => {
    expect(() => resilienceLink(undefined as never)).toThrow(ConfigError);
    expect(() => resilienceLink({} as never)).toThrow(/resilienceLink.policy: expected a Policy/);
    expect(() => resilienceLink({ policy: retry(), retryMutations: 'yes' as never })).toThrow(
      /resilienceLink.retryMutations/,
    );
    const lb = loadBalancer({ endpoints: [{ id: 'a', url: 'http://x' }], strategy: roundRobin() });
    expect(() => balancedLink({ balancer: {} as never, link: (ep) => httpLink({ url: ep.url }) })).toThrow(
      /balancedLink.balancer/,
    );
    expect(() => balancedLink({ balancer: lb, link: 'x' as never })).toThrow(/balancedLink.link/);
    expect(() => balancedLink({ balancer: lb, link: (ep) => httpLink({ url: ep.url }), failover: -1 })).toThrow(
      /balancedLink.failover: expected a non-negative integer/,
    );
    void lb.close();
  });
});
