/**
 * API contract conformance: @breakwater/core balancer health — NoHealthyEndpointError reasons,
 * per-endpoint breakers, backups, panic mode ("Semantics fixed here"), outlier detection.
 */
import { describe, expect, it } from 'vitest';
import {
  BrokenCircuitError,
  ManualClock,
  NoHealthyEndpointError,
  SaturatedError,
  circuitBreaker,
  constantBackoff,
  retry,
  consecutiveFailures,
  loadBalancer,
  memoryBreakerStore,
  roundRobin,
} from '@breakwater/core';
import { flush, ep, picks, errorOf, failOn } from './test-support/contract.js';

/** Whether retry()'s default retryOn retries `e`: the function is called again after it threw `e`. */
async function retryOnDefault(e: unknown): Promise<boolean> {
  let calls = 0;
  await retry({ maxAttempts: 2, backoff: constantBackoff(0) })
    .execute(() => {
      calls++;
      if (calls === 1) throw e;
    })
    .catch(() => undefined);
  return calls === 2;
}

describe('NoHealthyEndpointError reasons', () => {
  it("'empty' when there are no endpoints (pick and execute)", async () => {
    const lb = loadBalancer({ endpoints: [] });
    const e = await errorOf(() => lb.pick());
    expect(e).toBeInstanceOf(NoHealthyEndpointError);
    expect((e as NoHealthyEndpointError).reason).toBe('empty');
    expect((e as NoHealthyEndpointError).code).toBe('BW_NO_ENDPOINT');
    const e2 = await errorOf(() => lb.execute(() => 1));
    expect((e2 as NoHealthyEndpointError).reason).toBe('empty');
  });

  it('saturation is not a NoHealthyEndpointError: calls wait for a slot (FIFO), a full queue rejects with SaturatedError', async () => {
    const lb = loadBalancer({ endpoints: [ep('a', { maxConnections: 1 }), ep('b', { maxConnections: 2 })], queue: { maxPending: 1 } });
    const hold: Array<() => void> = [];
    const running = Array.from({ length: 3 }, () => lb.execute(() => new Promise<void>((r) => hold.push(r))));
    await flush();
    const order: string[] = [];
    const queued = lb.execute(() => {
      order.push('queued');
      return 'served';
    });
    const e = await errorOf(() =>
      lb.execute(() => {
        order.push('overflow');
      }),
    );
    expect(e).toBeInstanceOf(SaturatedError);
    expect(e).toMatchObject({ code: 'BW_SATURATED', reason: 'queue full' });
    expect(await retryOnDefault(e)).toBe(true);
    // pick() reserves nothing and cannot wait.
    expect(await errorOf(() => lb.pick())).toBeInstanceOf(SaturatedError);
    expect(order).toEqual([]);
    hold.shift()!();
    await expect(queued).resolves.toBe('served');
    hold.forEach((h) => h());
    await Promise.all(running);
    await expect(lb.execute(() => 'ok')).resolves.toBe('ok');
    expect(order).toEqual(['queued']);
  });

  it('a queued wait times out with SaturatedError after queue.timeoutMs', async () => {
    const clock = new ManualClock();
    const lb = loadBalancer({ endpoints: [ep('a', { maxConnections: 1 })], queue: { timeoutMs: 500 }, clock });
    let release!: () => void;
    const running = lb.execute(
      () =>
        new Promise<void>((r) => {
          release = r;
        }),
    );
    const waiting = errorOf(() => lb.execute(() => 1));
    clock.advance(499);
    await flush();
    clock.advance(1);
    expect(await waiting).toMatchObject({ code: 'BW_SATURATED', reason: 'wait timeout' });
    release();
    await running;
  });

  it("'open' when every endpoint's breaker is open", async () => {
    const clock = new ManualClock();
    const lb = loadBalancer({ endpoints: [ep('a'), ep('b')], strategy: roundRobin(), breaker: { trip: consecutiveFailures(1) }, clock });
    for (let i = 0; i < 4; i++)
      await lb
        .execute(() => {
          throw new Error('down');
        })
        .catch(() => undefined);
    await flush();
    const e = await errorOf(() => lb.execute(() => 1));
    expect(e).toBeInstanceOf(NoHealthyEndpointError);
    expect((e as NoHealthyEndpointError).reason).toBe('open');
    expect(((await errorOf(() => lb.pick())) as NoHealthyEndpointError).reason).toBe('open');
    await lb.close();
  });

  it("'draining' after drain(); drain waits for in-flight calls", async () => {
    const lb = loadBalancer({ endpoints: [ep('a')] });
    let release!: () => void;
    const running = lb.execute(
      () =>
        new Promise<string>((r) => {
          release = () => r('finished');
        }),
    );
    await flush();
    let drained = false;
    const draining = lb.drain().then(() => {
      drained = true;
    });
    const e = await errorOf(() => lb.execute(() => 1));
    expect((e as NoHealthyEndpointError).reason).toBe('draining');
    expect(((await errorOf(() => lb.pick())) as NoHealthyEndpointError).reason).toBe('draining');
    await flush();
    expect(drained).toBe(false);
    release();
    await expect(running).resolves.toBe('finished');
    await draining;
    expect(drained).toBe(true);
  });

  it('drain({ timeoutMs }) resolves after the timeout even with calls in flight', async () => {
    const clock = new ManualClock();
    const lb = loadBalancer({ endpoints: [ep('a')], clock });
    void lb.execute(() => new Promise(() => {}));
    await flush();
    let drained = false;
    const d = lb.drain({ timeoutMs: 1_000 }).then(() => {
      drained = true;
    });
    clock.advance(999);
    await flush();
    expect(drained).toBe(false);
    clock.advance(1);
    await d;
    expect(drained).toBe(true);
    await lb.close();
  });
});

describe('per-endpoint breakers', () => {
  it('one breaker per endpoint named `${balancerName}/${endpoint.id}` (shares state by name through a store)', async () => {
    const store = memoryBreakerStore();
    const clock = new ManualClock();
    const lb = loadBalancer({ name: 'api', endpoints: [ep('a'), ep('b')], strategy: roundRobin(), breaker: { store, trip: consecutiveFailures(1) }, clock });
    const outside = circuitBreaker({ name: 'api/a', store, clock });
    outside.isolate();
    await flush();
    await flush();
    expect(new Set(picks(lb, 10))).toEqual(new Set(['b']));
    // And the other way: the balancer's breaker for b trips, a breaker named api/b sees it.
    const watcher = circuitBreaker({ name: 'api/b', store, clock });
    await lb
      .execute(() => {
        throw new Error('b down');
      })
      .catch(() => undefined);
    await flush();
    expect(watcher.state).toBe('open');
    await lb.close();
    await store.close();
  });

  it('an open endpoint breaker takes the endpoint out of picks; others keep serving', async () => {
    const clock = new ManualClock();
    const lb = loadBalancer({
      endpoints: [ep('a'), ep('b')],
      strategy: roundRobin(),
      breaker: { trip: consecutiveFailures(2), halfOpenAfterMs: 1_000 },
      clock,
    });
    await failOn(lb, 'a', 4);
    await flush();
    const served = await Promise.all(Array.from({ length: 6 }, () => lb.execute((e) => e.id)));
    expect(new Set(served)).toEqual(new Set(['b']));
    clock.advance(1_000);
    await flush();
    const after = [];
    for (let i = 0; i < 4; i++) after.push(await lb.execute((e) => e.id));
    expect(after).toContain('a');
    await lb.close();
  });

  it('a BrokenCircuitError from an endpoint breaker is never what the caller sees while another endpoint is available', async () => {
    const clock = new ManualClock();
    const lb = loadBalancer({ endpoints: [ep('a'), ep('b')], strategy: roundRobin(), breaker: { trip: consecutiveFailures(1) }, clock });
    await failOn(lb, 'a', 2);
    for (let i = 0; i < 5; i++) {
      const r = await lb.execute((e) => e.id).catch((e: unknown) => e);
      expect(r).not.toBeInstanceOf(BrokenCircuitError);
    }
    await lb.close();
  });
});

describe('backup endpoints', () => {
  it('get traffic only when no primary is healthy', async () => {
    const clock = new ManualClock();
    const lb = loadBalancer({
      endpoints: [ep('p1'), ep('p2'), ep('backup', { backup: true })],
      strategy: roundRobin(),
      clock,
      outlierDetection: { consecutiveFailures: 1, maxEjectionPercent: 100 },
    });
    expect(new Set(picks(lb, 20))).toEqual(new Set(['p1', 'p2']));
    await failOn(lb, 'p1', 3);
    await flush();
    expect(new Set(picks(lb, 20))).toEqual(new Set(['p2']));
    await failOn(lb, 'p2', 3);
    await flush();
    expect(
      lb
        .endpoints()
        .filter((e) => e.ejected)
        .map((e) => e.id)
        .sort(),
    ).toEqual(['p1', 'p2']);
    expect(new Set(picks(lb, 20))).toEqual(new Set(['backup']));
    await lb.close();
  });
});

describe('panic mode', () => {
  it('below panicThreshold (default 0.5) of healthy endpoints, picks ignore health', async () => {
    const clock = new ManualClock();
    let healthy = new Set(['a', 'b', 'c', 'd']);
    const lb = loadBalancer({
      endpoints: [ep('a'), ep('b'), ep('c'), ep('d')],
      strategy: roundRobin(),
      clock,
      healthCheck: { intervalMs: 1_000, unhealthyThreshold: 1, healthyThreshold: 1, jitterMs: 0, check: async (e) => healthy.has(e.id) },
    });
    healthy = new Set(['a', 'b']); // exactly 50%: not below the threshold
    clock.advance(1_000);
    await flush();
    clock.advance(1_000);
    await flush();
    expect(
      lb
        .endpoints()
        .filter((e) => e.healthy)
        .map((e) => e.id),
    ).toEqual(['a', 'b']);
    expect(new Set(picks(lb, 20))).toEqual(new Set(['a', 'b']));
    healthy = new Set(['a']); // 25% < 50%: panic
    clock.advance(1_000);
    await flush();
    clock.advance(1_000);
    await flush();
    expect(
      lb
        .endpoints()
        .filter((e) => e.healthy)
        .map((e) => e.id),
    ).toEqual(['a']);
    expect(new Set(picks(lb, 20))).toEqual(new Set(['a', 'b', 'c', 'd']));
    await lb.close();
  });

  it('panic never picks an endpoint whose breaker is open', async () => {
    const clock = new ManualClock();
    const lb = loadBalancer({
      endpoints: [ep('a'), ep('b'), ep('c'), ep('d')],
      strategy: roundRobin(),
      clock,
      outlierDetection: { consecutiveFailures: 1, maxEjectionPercent: 100 },
      breaker: { trip: consecutiveFailures(1) },
    });
    // a: ejected (outlier) and breaker open; b, c: ejected; d healthy → 25% healthy → panic.
    await failOn(lb, 'a', 4);
    await failOn(lb, 'b', 4);
    await failOn(lb, 'c', 4);
    await flush();
    const ejected = lb
      .endpoints()
      .filter((e) => e.ejected)
      .map((e) => e.id);
    expect(ejected.length).toBeGreaterThanOrEqual(3);
    const picked = new Set(picks(lb, 40));
    expect(picked.has('a')).toBe(false);
    expect(picked.has('b')).toBe(false);
    expect(picked.has('c')).toBe(false);
    await lb.close();
  });

  it('panic applies with ejections too, except for open breakers (ejected but breaker closed are picked)', async () => {
    const clock = new ManualClock();
    const lb = loadBalancer({
      endpoints: [ep('a'), ep('b'), ep('c'), ep('d')],
      strategy: roundRobin(),
      clock,
      outlierDetection: { consecutiveFailures: 1, maxEjectionPercent: 100 },
    });
    await failOn(lb, 'a', 4);
    await failOn(lb, 'b', 4);
    await failOn(lb, 'c', 4);
    await flush();
    expect(lb.endpoints().filter((e) => e.ejected).length).toBe(3);
    expect(new Set(picks(lb, 40))).toEqual(new Set(['a', 'b', 'c', 'd']));
    await lb.close();
  });

  it('panicThreshold 0 disables panic mode', async () => {
    const clock = new ManualClock();
    const lb = loadBalancer({
      endpoints: [ep('a'), ep('b'), ep('c'), ep('d')],
      strategy: roundRobin(),
      clock,
      locality: { panicThreshold: 0 },
      outlierDetection: { consecutiveFailures: 1, maxEjectionPercent: 100 },
    });
    await failOn(lb, 'a', 4);
    await failOn(lb, 'b', 4);
    await failOn(lb, 'c', 4);
    await flush();
    expect(new Set(picks(lb, 20))).toEqual(new Set(['d']));
    await lb.close();
  });
});

describe('outlierDetection', () => {
  it('defaults: 5 consecutive failures eject for 30 s; the ejection event says so', async () => {
    const clock = new ManualClock();
    const lb = loadBalancer({ endpoints: [ep('a'), ep('b'), ep('c'), ep('d')], strategy: roundRobin(), clock, outlierDetection: {} });
    const events: Array<Record<string, unknown>> = [];
    lb.on('ejection', (e) => events.push(e));
    // Round robin: one call in four reaches 'a'.
    await failOn(lb, 'a', 4 * 4);
    expect(lb.endpoints().find((e) => e.id === 'a')!.ejected).toBe(false);
    await failOn(lb, 'a', 4);
    await flush();
    expect(lb.endpoints().find((e) => e.id === 'a')!.ejected).toBe(true);
    expect(events[0]).toMatchObject({ endpoint: 'a', ejected: true });
    expect(new Set(picks(lb, 12)).has('a')).toBe(false);
    clock.advance(29_999);
    await flush();
    expect(lb.endpoints().find((e) => e.id === 'a')!.ejected).toBe(true);
    clock.advance(1);
    await flush();
    expect(lb.endpoints().find((e) => e.id === 'a')!.ejected).toBe(false);
    expect(new Set(picks(lb, 12)).has('a')).toBe(true);
    await lb.close();
  });

  it('maxEjectionPercent defaults to 50: at most half the endpoints ejected at once', async () => {
    const clock = new ManualClock();
    const lb = loadBalancer({ endpoints: [ep('a'), ep('b'), ep('c'), ep('d')], strategy: roundRobin(), clock, outlierDetection: { consecutiveFailures: 1 } });
    for (const id of ['a', 'b', 'c']) await failOn(lb, id, 8);
    await flush();
    expect(lb.endpoints().filter((e) => e.ejected)).toHaveLength(2);
    await lb.close();
  });

  it('baseEjectionMs option', async () => {
    const clock = new ManualClock();
    const lb = loadBalancer({
      endpoints: [ep('a'), ep('b')],
      strategy: roundRobin(),
      clock,
      outlierDetection: { consecutiveFailures: 1, baseEjectionMs: 1_000 },
    });
    await failOn(lb, 'a', 2);
    expect(lb.endpoints().find((e) => e.id === 'a')!.ejected).toBe(true);
    clock.advance(1_000);
    await flush();
    expect(lb.endpoints().find((e) => e.id === 'a')!.ejected).toBe(false);
    await lb.close();
  });
});
