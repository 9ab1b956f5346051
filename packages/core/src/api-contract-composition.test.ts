/**
 * API contract conformance: @breakwater/core "Policies and composition" (pipeline order, attempt
 * context, caller abort), BreakerStore and Logging. Imports only from the package root.
 */
import * as core from '@breakwater/core';
import { describe, expect, it } from 'vitest';
import {
  BrokenCircuitError,
  IsolatedCircuitError,
  ManualClock,
  bulkhead,
  circuitBreaker,
  consecutiveFailures,
  loadBalancer,
  logEvents,
  memoryBreakerStore,
  pipeline,
  rateLimit,
  retry,
  constantBackoff,
  timeout,
  roundRobin,
} from '@breakwater/core';
import type { AttemptContext, BreakerState, Policy } from '@breakwater/core';
import { flush } from './test-support/contract.js';

describe('API.md: Policies and composition', () => {
  it('AttemptContext: attempt is 0-based, context is passed through, signal is an AbortSignal', async () => {
    const seen: AttemptContext[] = [];
    const policy = retry({ maxAttempts: 3, backoff: constantBackoff(0) });
    const result = await policy.execute(
      (ctx) => {
        seen.push(ctx);
        if (ctx.attempt < 2) throw new Error('again');
        return 'done';
      },
      { context: { requestId: 'r-1' } },
    );
    expect(result).toBe('done');
    expect(seen.map((c) => c.attempt)).toEqual([0, 1, 2]);
    for (const c of seen) {
      expect(c.signal).toBeInstanceOf(AbortSignal);
      expect(c.context).toMatchObject({ requestId: 'r-1' });
    }
  });

  it('every policy runs a plain function and accepts sync values and promises', async () => {
    const clock = new ManualClock();
    const policies: Policy[] = [
      circuitBreaker({ name: 'plain', clock }),
      retry({ clock }),
      timeout(1_000, { clock }),
      bulkhead({ maxConcurrent: 1 }),
      rateLimit({ perSecond: 10, clock }),
      core.fallback(() => 'fb'),
      core.cacheFallback({ ttlMs: 1_000, clock }),
      core.hedge({ delayMs: 100, clock }),
      pipeline(),
      pipeline(retry({ clock }), timeout(1_000, { clock })),
    ];
    for (const p of policies) {
      await expect(p.execute(() => 7)).resolves.toBe(7);
      await expect(p.execute(async () => 8)).resolves.toBe(8);
    }
  });

  it('pipeline: the first argument is the outermost', async () => {
    const order: string[] = [];
    const tracer = (name: string): Policy => ({
      async execute(fn, opts) {
        order.push(`${name}:in`);
        try {
          return await fn({ signal: opts?.signal ?? new AbortController().signal, attempt: 0, context: opts?.context ?? {} });
        } finally {
          order.push(`${name}:out`);
        }
      },
    });
    const p = pipeline(tracer('outer'), tracer('middle'), tracer('inner'));
    await p.execute(() => {
      order.push('fn');
      return 1;
    });
    expect(order).toEqual(['outer:in', 'middle:in', 'inner:in', 'fn', 'inner:out', 'middle:out', 'outer:out']);
  });

  it('ctx.attempt counts the enclosing retry through a foreign policy (anything with execute)', async () => {
    const foreign: Policy = { execute: (fn, opts) => Promise.resolve(fn({ signal: new AbortController().signal, attempt: 0, context: opts?.context ?? {} })) };
    const seen: number[] = [];
    await pipeline(retry({ maxAttempts: 3, backoff: constantBackoff(0) }), foreign).execute((ctx) => {
      seen.push(ctx.attempt);
      if (ctx.attempt < 2) throw new Error('again');
      return 1;
    });
    expect(seen).toEqual([0, 1, 2]);
  });

  it('pipeline(retry, breaker): the breaker sees every attempt; pipeline(breaker, retry): it sees one call', async () => {
    const clock = new ManualClock();
    const failing = (): never => {
      throw new Error('down');
    };
    const b1 = circuitBreaker({ name: 'inner-breaker', trip: consecutiveFailures(3), clock });
    await expect(pipeline(retry({ maxAttempts: 3, backoff: constantBackoff(0), clock }), b1).execute(failing)).rejects.toThrow('down');
    expect(b1.metrics().failures).toBe(3);
    expect(b1.state).toBe('open');
    const b2 = circuitBreaker({ name: 'outer-breaker', trip: consecutiveFailures(3), clock });
    await expect(pipeline(b2, retry({ maxAttempts: 3, backoff: constantBackoff(0), clock })).execute(failing)).rejects.toThrow('down');
    expect(b2.metrics().failures).toBe(1);
    expect(b2.state).toBe('closed');
  });

  it('pipeline(retry, timeout): each attempt gets its own timeout (outer retries what inner times out)', async () => {
    const clock = new ManualClock();
    let calls = 0;
    const p = pipeline(retry({ maxAttempts: 2, backoff: constantBackoff(0), clock }), timeout(100, { clock }));
    const result = p.execute(() => {
      calls++;
      return calls === 1 ? new Promise<string>(() => {}) : 'second';
    });
    await flush();
    clock.advance(100);
    await expect(result).resolves.toBe('second');
    expect(calls).toBe(2);
  });

  describe('a caller-aborted signal rejects at once with its reason and aborts ctx.signal', () => {
    const clock = new ManualClock();
    const make: Array<[string, () => Policy]> = [
      ['circuitBreaker', () => circuitBreaker({ name: 'abort', clock })],
      ['retry', () => retry({ clock })],
      ['timeout', () => timeout(60_000, { clock })],
      ['bulkhead', () => bulkhead({ maxConcurrent: 1 })],
      ['rateLimit', () => rateLimit({ perSecond: 10, clock })],
      ['fallback', () => core.fallback(() => 'substitute')],
      ['cacheFallback', () => core.cacheFallback({ ttlMs: 1_000, clock })],
      ['hedge', () => core.hedge({ delayMs: 60_000, clock })],
      ['pipeline', () => pipeline(retry({ clock }), circuitBreaker({ name: 'abort-p', clock }), timeout(60_000, { clock }))],
      ['balancer.asPolicy', () => loadBalancer({ endpoints: [{ id: 'a', url: 'http://a' }], clock }).asPolicy()],
    ];

    it.each(make)('%s: aborting mid-call', async (_name, factory) => {
      const policy = factory();
      const controller = new AbortController();
      const reason = new Error('caller gave up');
      let inner: AbortSignal | undefined;
      const p = policy.execute(
        (ctx) => {
          inner = ctx.signal;
          return new Promise<never>(() => {});
        },
        { signal: controller.signal, key: 'k' },
      );
      await flush();
      expect(inner).toBeDefined();
      expect(inner!.aborted).toBe(false);
      controller.abort(reason);
      await expect(p).rejects.toBe(reason);
      expect(inner!.aborted).toBe(true);
    });

    it.each(make)('%s: already aborted before the call', async (_name, factory) => {
      const policy = factory();
      const reason = new Error('already gone');
      let called = false;
      await expect(
        policy.execute(
          () => {
            called = true;
            return 1;
          },
          { signal: AbortSignal.abort(reason) },
        ),
      ).rejects.toBe(reason);
      expect(called).toBe(false);
    });

    it('balancer.execute: aborting mid-call', async () => {
      const lb = loadBalancer({ endpoints: [{ id: 'a', url: 'http://a' }], clock });
      const controller = new AbortController();
      let inner: AbortSignal | undefined;
      const p = lb.execute(
        (_ep, ctx) => {
          inner = ctx.signal;
          return new Promise<never>(() => {});
        },
        { signal: controller.signal },
      );
      await flush();
      controller.abort('stop');
      await expect(p).rejects.toBe('stop');
      expect(inner!.aborted).toBe(true);
      await lb.close();
    });
  });
});

describe('API.md: BreakerStore', () => {
  it('memoryBreakerStore: breakers with the same name share state; close() resolves', async () => {
    const store = memoryBreakerStore();
    const clock = new ManualClock();
    const a = circuitBreaker({ name: 'orders', store, clock, trip: consecutiveFailures(2) });
    const b = circuitBreaker({ name: 'orders', store, clock, trip: consecutiveFailures(2) });
    const other = circuitBreaker({ name: 'payments', store, clock, trip: consecutiveFailures(2) });
    const remote: Array<{ to: BreakerState; remote: boolean }> = [];
    b.on('stateChange', (e) => remote.push({ to: e.to, remote: e.remote }));
    for (let i = 0; i < 2; i++)
      await a
        .execute(() => {
          throw new Error('x');
        })
        .catch(() => undefined);
    expect(a.state).toBe('open');
    await flush();
    expect(b.state).toBe('open');
    expect(other.state).toBe('closed');
    expect(remote).toEqual([{ to: 'open', remote: true }]);
    await expect(b.execute(() => 1)).rejects.toBeInstanceOf(BrokenCircuitError);
    a.reset();
    await flush();
    expect(b.state).toBe('closed');
    const closing = store.close();
    expect(closing).toBeInstanceOf(Promise);
    await closing;
  });

  it('with a shared store isolate() and its release act fleet-wide; scope local keeps it to one replica', async () => {
    const store = memoryBreakerStore();
    const a = circuitBreaker({ name: 'iso', store });
    const b = circuitBreaker({ name: 'iso', store });
    const h = a.isolate();
    await flush();
    expect(a.state).toBe('isolated');
    expect(b.state).toBe('isolated');
    await expect(b.execute(() => 1)).rejects.toBeInstanceOf(IsolatedCircuitError);
    h.release();
    await flush();
    expect(a.state).toBe('closed');
    expect(b.state).toBe('closed');
    const local = a.isolate({ scope: 'local' });
    await flush();
    expect(a.state).toBe('isolated');
    expect(b.state).toBe('closed');
    local.release();
    await flush();
    expect(a.state).toBe('closed');
    await store.close();
  });
});

describe('API.md: Logging', () => {
  function memoryLogger() {
    const lines: Array<{ level: 'info' | 'warn'; obj: object; msg?: string }> = [];
    return {
      lines,
      logger: {
        info: (obj: object, msg?: string) => lines.push({ level: 'info', obj, msg }),
        warn: (obj: object, msg?: string) => lines.push({ level: 'warn', obj, msg }),
      },
    };
  }

  it('one JSON object per breaker transition; returns a function that stops logging', async () => {
    const { lines, logger } = memoryLogger();
    const clock = new ManualClock();
    const breaker = circuitBreaker({ name: 'db', trip: consecutiveFailures(1), clock });
    const stop = logEvents(breaker, logger);
    expect(typeof stop).toBe('function');
    await breaker
      .execute(() => {
        throw new Error('x');
      })
      .catch(() => undefined);
    breaker.reset();
    expect(lines).toHaveLength(2);
    for (const l of lines) expect(() => JSON.parse(JSON.stringify(l.obj))).not.toThrow();
    expect(lines[0]!.obj).toMatchObject({ name: 'db', from: 'closed', to: 'open' });
    expect(lines[1]!.obj).toMatchObject({ name: 'db', from: 'open', to: 'closed' });
    stop();
    breaker.isolate();
    expect(lines).toHaveLength(2);
  });

  it('logs balancer health changes and ejections', async () => {
    const { lines, logger } = memoryLogger();
    const clock = new ManualClock();
    const lb = loadBalancer({
      endpoints: [
        { id: 'a', url: 'http://a' },
        { id: 'b', url: 'http://b' },
      ],
      strategy: roundRobin(),
      clock,
      outlierDetection: { consecutiveFailures: 1 },
    });
    const stop = logEvents(lb, logger);
    await lb
      .execute((ep) => {
        if (ep.id === 'a') throw new Error('down');
        return 1;
      })
      .catch(() => undefined);
    expect(lines.length).toBeGreaterThanOrEqual(1);
    expect(lines[0]!.obj).toMatchObject({ endpoint: 'a' });
    expect(() => JSON.stringify(lines[0]!.obj)).not.toThrow();
    stop();
    await lb.close();
  });
});
