import { describe, expect, it } from 'vitest';
import { circuitBreaker, consecutiveFailures } from '../breaker/index.js';
import type { CircuitBreaker, CircuitBreakerOptions } from '../breaker/types.js';
import { ManualClock } from '../clock.js';
import { BrokenCircuitError, NoHealthyEndpointError } from '../errors.js';
import { memoryBreakerStore } from '../store/memory-store.js';
import { flush } from '../test-support/breaker.js';
import { loadBalancer } from './load-balancer.js';
import { seededRandom } from './random.js';
import { roundRobin } from './strategies/round-robin.js';
import type { Endpoint, LoadBalancer, LoadBalancerOptions } from './types.js';

const eps = (ids: string[]): Endpoint[] => ids.map((id) => ({ id, url: `http://${id}` }));
const hang = (): Promise<never> => new Promise<never>(() => {});
const boom = (): never => {
  throw new Error('down');
};

/** A balancer ("pod") whose per-endpoint breakers are kept by endpoint id. */
function pod(o: Partial<LoadBalancerOptions> & { endpoints: Endpoint[] }): {
  lb: LoadBalancer;
  breakers: Map<string, CircuitBreaker>;
} {
  const breakers = new Map<string, CircuitBreaker>();
  const createBreaker = (opts: CircuitBreakerOptions): CircuitBreaker => {
    const b = circuitBreaker(opts);
    breakers.set(opts.name.slice(opts.name.indexOf('/') + 1), b);
    return b;
  };
  return { lb: loadBalancer({ name: 'api', createBreaker, ...o }), breakers };
}

async function outcomes(lb: LoadBalancer, n: number): Promise<unknown[]> {
  const out: unknown[] = [];
  for (let i = 0; i < n; i++) out.push(await lb.execute((ep) => ep.id).catch((e: unknown) => e));
  return out;
}

describe('picks skip endpoints whose breaker would refuse', () => {
  function fleet() {
    const clock = new ManualClock();
    const store = memoryBreakerStore();
    const breaker = {
      store,
      trip: consecutiveFailures(1),
      halfOpenAfterMs: 1_000,
      halfOpen: { probeTimeoutMs: 10_000 },
    };
    const a = pod({ endpoints: eps(['x', 'y', 'z']), clock, breaker, random: seededRandom(1) });
    const b = pod({ endpoints: eps(['x', 'y', 'z']), clock, breaker, random: seededRandom(2) });
    return { clock, store, a, b };
  }

  it('while pod A probes x (fleet lease), pod B never offers x and never sees BrokenCircuitError', async () => {
    const { clock, a, b } = fleet();
    await a.breakers
      .get('x')!
      .execute(boom)
      .catch(() => undefined);
    await flush();
    expect(b.breakers.get('x')!.state).toBe('open'); // adopted through the store
    clock.advance(1_000);
    // Pod A's traffic reaches x first: its breaker takes the fleet's probe lease and probes.
    let probing = false;
    for (let i = 0; i < 50 && !probing; i++) {
      void a.lb.execute((ep) => (ep.id === 'x' ? ((probing = true), hang()) : ep.id));
      await flush();
    }
    expect(a.breakers.get('x')!.state).toBe('half-open');
    const results = await outcomes(b.lb, 100);
    expect(results.filter((r) => r instanceof Error)).toEqual([]);
    expect(results).not.toContain('x');
    expect(new Set(results)).toEqual(new Set(['y', 'z']));
    expect(Array.from({ length: 100 }, () => b.lb.pick().id)).not.toContain('x');
    expect(b.breakers.get('x')!.metrics().rejected).toBe(0); // never even asked
    expect(b.breakers.get('x')!.state).toBe('open');
  });

  it('when pod A closes x again, pod B offers it again', async () => {
    const { clock, a, b } = fleet();
    await a.breakers
      .get('x')!
      .execute(boom)
      .catch(() => undefined);
    await flush();
    clock.advance(1_000);
    let finish!: (v: string) => void;
    const probe = a.breakers.get('x')!.execute(
      () =>
        new Promise<string>((resolve) => {
          finish = resolve;
        }),
    );
    expect(Array.from({ length: 50 }, () => b.lb.pick().id)).not.toContain('x');
    finish('ok');
    await probe;
    await flush();
    expect(b.breakers.get('x')!.state).toBe('closed');
    expect(Array.from({ length: 50 }, () => b.lb.pick().id)).toContain('x');
  });

  it("every endpoint open and probed elsewhere: NoHealthyEndpointError('open') at once", async () => {
    const { clock, a, b } = fleet();
    for (const id of ['x', 'y', 'z'])
      await a.breakers
        .get(id)!
        .execute(boom)
        .catch(() => undefined);
    await flush();
    clock.advance(1_000);
    for (const id of ['x', 'y', 'z']) void a.breakers.get(id)!.execute(hang);
    let called = false;
    const e = await b.lb
      .execute(() => {
        called = true;
      })
      .catch((err: unknown) => err);
    expect(e).toBeInstanceOf(NoHealthyEndpointError);
    expect((e as NoHealthyEndpointError).reason).toBe('open');
    expect(called).toBe(false);
    expect(() => b.lb.pick()).toThrow(expect.objectContaining({ reason: 'open' }));
    for (const id of ['x', 'y', 'z']) expect(b.breakers.get(id)!.metrics().rejected).toBe(0);
  });

  it('one balancer: a half-open endpoint whose probe slot is taken is skipped; all taken → open', async () => {
    const clock = new ManualClock();
    const { lb, breakers } = pod({
      endpoints: eps(['x', 'y']),
      clock,
      strategy: roundRobin(),
      breaker: { trip: consecutiveFailures(1), halfOpenAfterMs: 1_000, halfOpen: { maxProbes: 1 } },
    });
    await breakers
      .get('x')!
      .execute(boom)
      .catch(() => undefined);
    clock.advance(1_000);
    void breakers.get('x')!.execute(hang); // x is half-open, its only slot taken
    await flush();
    expect(await outcomes(lb, 10)).toEqual(Array(10).fill('y'));
    await breakers
      .get('y')!
      .execute(boom)
      .catch(() => undefined);
    clock.advance(1_000);
    void breakers.get('y')!.execute(hang);
    await flush();
    const e = await lb.execute((ep) => ep.id).catch((err: unknown) => err);
    expect(e).toMatchObject({ reason: 'open' });
    expect(breakers.get('x')!.metrics().rejected + breakers.get('y')!.metrics().rejected).toBe(0);
  });
});

describe('re-picks after a refusal the breaker could not announce', () => {
  /** A breaker that looks closed (no wouldAdmit) but refuses every call. */
  const refusing = (name: string): CircuitBreaker => ({
    name,
    state: 'closed',
    generation: 0,
    execute: () => Promise.reject(new BrokenCircuitError(name)),
    isolate: () => ({ release() {} }),
    reset() {},
    close() {},
    dispose() {},
    on: () => () => {},
    metrics: () => ({
      state: 'closed',
      requests: 0,
      successes: 0,
      failures: 0,
      timeouts: 0,
      rejected: 0,
      slowCalls: 0,
      failureRate: 0,
      stateSince: 0,
    }),
  });

  it('tries every endpoint at most once, so one good endpoint among many refusing ones is always found', async () => {
    const ids = ['a', 'b', 'c', 'd', 'e', 'f'];
    const lb = loadBalancer({
      endpoints: eps(ids),
      breaker: {},
      random: seededRandom(3),
      createBreaker: (o) => (o.name === 'balancer/f' ? circuitBreaker(o) : refusing(o.name)),
    });
    const refused: string[] = [];
    lb.on('request', (e) => {
      if (e.error instanceof BrokenCircuitError) refused.push(e.endpoint);
    });
    for (let i = 0; i < 30; i++) {
      refused.length = 0;
      await expect(lb.execute((ep) => ep.id)).resolves.toBe('f');
      expect(new Set(refused).size).toBe(refused.length); // no endpoint refused the same call twice
    }
  });

  it("every breaker refusing: NoHealthyEndpointError('open') after one try per endpoint", async () => {
    const lb = loadBalancer({
      endpoints: eps(['a', 'b', 'c']),
      breaker: {},
      createBreaker: (o) => refusing(o.name),
      random: seededRandom(4),
    });
    const refused: string[] = [];
    lb.on('request', (e) => refused.push(e.endpoint));
    await expect(lb.execute(() => 1)).rejects.toMatchObject({ name: 'NoHealthyEndpointError', reason: 'open' });
    expect(refused.sort()).toEqual(['a', 'b', 'c']);
  });
});
