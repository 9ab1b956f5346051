import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Endpoint, LoadBalancer } from '../balancing/types.js';
import { Emitter } from '../events.js';
import { defaultIsFailure } from './classify.js';
import { EndpointPools } from './endpoint-pools.js';

/** Just enough of a balancer: a mutable endpoint list and the two events pools listen to. */
function fakeBalancer(
  list: Endpoint[],
): LoadBalancer & { list: Endpoint[]; emit(ev: 'ejection' | 'health', e: Record<string, unknown>): void } {
  const em = new Emitter<{ ejection: Record<string, unknown>; health: Record<string, unknown> }>();
  const b = {
    list,
    endpoints: () => b.list.map((e) => ({ ...e, healthy: true, ejected: false, inFlight: 0, ewmaMs: 0 })),
    on: (ev: 'ejection' | 'health', fn: (e: Record<string, unknown>) => void) => em.on(ev, fn),
    emit: (ev: 'ejection' | 'health', e: Record<string, unknown>) => em.emit(ev, e),
  };
  return b as unknown as LoadBalancer & typeof b;
}

describe('EndpointPools', () => {
  const a: Endpoint = { id: 'a', url: 'http://a:1', maxConnections: 2 };
  const b: Endpoint = { id: 'b', url: 'http://b:1' };

  function setup() {
    let now = 0;
    const lb = fakeBalancer([a, b]);
    const created: string[] = [];
    const retired: string[] = [];
    const pools = new EndpointPools<string>(
      lb,
      {
        create: (e) => {
          const p = `${e.id}@${e.url}/${e.maxConnections ?? '-'}#${created.length}`;
          created.push(p);
          return p;
        },
        retire: (p) => {
          retired.push(p);
        },
      },
      1000,
      () => now,
    );
    return {
      lb,
      pools,
      created,
      retired,
      tick: (ms: number) => {
        now += ms;
      },
    };
  }

  it('creates one pool per endpoint, lazily, and reuses it', () => {
    const { pools, created } = setup();
    expect(pools.get(a)).toBe(pools.get(a));
    pools.get(b);
    expect(created).toEqual(['a@http://a:1/2#0', 'b@http://b:1/-#1']);
    expect(pools.size).toBe(2);
  });

  it('retires the pool of an ejected endpoint at once', () => {
    const { lb, pools, retired } = setup();
    const pa = pools.get(a);
    lb.emit('ejection', { endpoint: 'a', ejected: false });
    expect(retired).toEqual([]);
    lb.emit('ejection', { endpoint: 'a', ejected: true });
    expect(retired).toEqual([pa]);
    expect(pools.get(a)).not.toBe(pa);
  });

  it('retires pools of endpoints removed by update(), found by a throttled sweep', () => {
    const { lb, pools, retired, tick } = setup();
    pools.get(a);
    const pb = pools.get(b);
    lb.list = [a];
    tick(500);
    pools.get(a);
    expect(retired).toEqual([]);
    tick(600);
    pools.get(a);
    expect(retired).toEqual([pb]);
  });

  it("replaces a pool when the endpoint's url or maxConnections change", () => {
    const { pools, retired } = setup();
    const p1 = pools.get(a);
    const p2 = pools.get({ ...a, maxConnections: 5 });
    expect(p2).not.toBe(p1);
    expect(retired).toEqual([p1]);
  });

  it('close() retires everything, stops listening, and later gets return undefined', () => {
    const { lb, pools, retired } = setup();
    pools.get(a);
    pools.get(b);
    pools.close();
    pools.close();
    expect(retired).toHaveLength(2);
    expect(pools.get(a)).toBeUndefined();
    lb.emit('ejection', { endpoint: 'a', ejected: true });
    expect(retired).toHaveLength(2);
  });
});

describe('classification (property)', () => {
  it('any status is a failure exactly when it is 5xx, 408 or 429', () => {
    fc.assert(
      fc.property(fc.integer({ min: 100, max: 599 }), (status) => {
        const expected = status >= 500 || status === 408 || status === 429;
        return (
          defaultIsFailure(new Response(null, { status: status < 200 ? 200 : status })) ===
            (status < 200 ? false : expected) &&
          defaultIsFailure({ message: 'x', name: 'AxiosError', response: { status } }) === expected &&
          defaultIsFailure({ message: 'x', name: 'TRPCClientError', data: { httpStatus: status } }) === expected
        );
      }),
    );
  });
});
