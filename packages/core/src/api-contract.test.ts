/**
 * API contract conformance (/work/shared/API.md, @breakwater/core: Clock, Policies and
 * composition, Errors, BreakerStore, Logging, exported names and types). Imports only from the
 * package root, as the hidden tests do. Breaker, other policies and load balancing live in
 * api-contract-{breaker,policies,balancing}.test.ts.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import * as core from '@breakwater/core';
import {
  BrokenCircuitError, BulkheadRejectedError, BreakwaterError, ConfigError, IsolatedCircuitError, ManualClock,
  NoHealthyEndpointError, RateLimitedError, TimeoutError, bulkhead, circuitBreaker, consecutiveFailures, isBreakwaterError,
  loadBalancer, logEvents, memoryBreakerStore, pipeline, rateLimit, retry, constantBackoff, systemClock, timeout, roundRobin,
} from '@breakwater/core';
import type {
  AttemptContext, Backoff, BreakerState, BreakerStore, CircuitBreaker, Clock, Endpoint, ExecuteOptions, LoadBalancer, Policy,
  RetryBudget, Strategy, TripStrategy,
} from '@breakwater/core';

const VALUE_EXPORTS = [
  // Clock
  'systemClock', 'ManualClock',
  // Policies and composition
  'pipeline',
  // Errors
  'BreakwaterError', 'BrokenCircuitError', 'IsolatedCircuitError', 'TimeoutError', 'BulkheadRejectedError', 'RateLimitedError',
  'NoHealthyEndpointError', 'ConfigError', 'isBreakwaterError',
  // Circuit breaker
  'circuitBreaker', 'consecutiveFailures', 'failureRate', 'predictive',
  // BreakerStore
  'memoryBreakerStore',
  // Other policies
  'retry', 'exponentialBackoff', 'constantBackoff', 'retryBudget', 'timeout', 'bulkhead', 'rateLimit', 'fallback', 'cacheFallback', 'hedge',
  // Load balancing
  'loadBalancer', 'roundRobin', 'weightedRoundRobin', 'leastConnections', 'weightedLeastConnections', 'p2cEwma', 'consistentHash',
  'adaptive', 'router',
  // Logging
  'logEvents',
] as const;

const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('API.md: exported names', () => {
  it.each(VALUE_EXPORTS)('exports %s from the package root', (name) => {
    expect(core).toHaveProperty(name);
    expect((core as Record<string, unknown>)[name]).toBeDefined();
  });

  it('exports the types named in "Semantics fixed here" (typecheck fails if one is missing)', () => {
    expectTypeOf<BreakerState>().toEqualTypeOf<'closed' | 'open' | 'half-open' | 'isolated'>();
    expectTypeOf<Clock>().toHaveProperty('now').toEqualTypeOf<() => number>();
    expectTypeOf<Clock>().toHaveProperty('setTimeout');
    expectTypeOf<Clock>().toHaveProperty('clearTimeout');
    expectTypeOf<Policy>().toHaveProperty('execute');
    expectTypeOf<CircuitBreaker>().toMatchTypeOf<Policy>();
    expectTypeOf<CircuitBreaker['state']>().toEqualTypeOf<BreakerState>();
    expectTypeOf<CircuitBreaker['name']>().toEqualTypeOf<string>();
    expectTypeOf<BreakerStore>().toHaveProperty('close').returns.toEqualTypeOf<Promise<void>>();
    expectTypeOf<Endpoint>().toMatchTypeOf<{ id: string; url: string }>();
    expectTypeOf<{ id: 'a'; url: 'http://a'; weight: 2; region: 'eu'; zone: 'z'; maxConnections: 3; backup: true; metadata: { k: 1 } }>().toMatchTypeOf<Endpoint>();
    expectTypeOf<LoadBalancer>().toHaveProperty('pick');
    expectTypeOf<LoadBalancer>().toHaveProperty('asPolicy');
    expectTypeOf<LoadBalancer['currentRegion']>().toEqualTypeOf<string | undefined>();
    expectTypeOf(roundRobin()).toEqualTypeOf<Strategy>();
    expectTypeOf(consecutiveFailures(5)).toEqualTypeOf<TripStrategy>();
    expectTypeOf(constantBackoff(1)).toEqualTypeOf<Backoff>();
    expectTypeOf(core.retryBudget()).toEqualTypeOf<RetryBudget>();
    expectTypeOf(circuitBreaker({ name: 'typed' })).toMatchTypeOf<CircuitBreaker>();
    expectTypeOf(loadBalancer({ endpoints: [] })).toMatchTypeOf<LoadBalancer>();
    expectTypeOf(pipeline()).toMatchTypeOf<Policy>();
    expectTypeOf<ExecuteOptions>().toMatchTypeOf<{ signal?: AbortSignal; key?: string; context?: Record<string, unknown> }>();
    expectTypeOf<AttemptContext['attempt']>().toEqualTypeOf<number>();
    expectTypeOf<AttemptContext['signal']>().toEqualTypeOf<AbortSignal>();
    expectTypeOf<AttemptContext['context']>().toEqualTypeOf<Record<string, unknown>>();
    expectTypeOf<AttemptContext['endpoint']>().toEqualTypeOf<Endpoint | undefined>();
  });

  it('event payloads fit the API.md listener types (balancer events are Record<string, unknown>)', () => {
    const lb = loadBalancer({ endpoints: [] });
    const sink: Array<Record<string, unknown>> = [];
    for (const event of ['health', 'ejection', 'regionChange'] as const) expect(typeof lb.on(event, (e) => sink.push(e))).toBe('function');
    lb.on('health', (e) => sink.push(e));
    lb.on('ejection', (e) => sink.push(e));
    lb.on('regionChange', (e) => sink.push(e));
    const b = circuitBreaker({ name: 'payload-types' });
    const changes: Array<{ name: string; from: BreakerState; to: BreakerState; reason: string; at: number; remote: boolean }> = [];
    b.on('stateChange', (e) => changes.push(e));
    b.on('stateChange', (e) => sink.push(e));
    const calls: Array<{ name: string; durationMs?: number; error?: unknown }> = [];
    for (const event of ['success', 'failure', 'rejected'] as const) b.on(event, (e) => calls.push(e));
    b.on('failure', (e) => sink.push(e));
    void lb.close();
  });
});

describe('API.md: Clock', () => {
  it('systemClock follows Date.now and real timers', () => {
    const before = Date.now();
    const now = systemClock.now();
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
    let fired = false;
    const h = systemClock.setTimeout(() => { fired = true; }, 10_000);
    systemClock.clearTimeout(h);
    expect(fired).toBe(false);
  });

  it('ManualClock starts at startMs (default 0) and only moves on advance()', () => {
    expect(new ManualClock().now()).toBe(0);
    const clock = new ManualClock(1_000);
    expect(clock.now()).toBe(1_000);
    clock.advance(250);
    expect(clock.now()).toBe(1_250);
  });

  it('advance() fires due timers in order of due time, each seeing its due time', () => {
    const clock: Clock & ManualClock = new ManualClock(0);
    const fired: Array<[string, number]> = [];
    clock.setTimeout(() => fired.push(['c', clock.now()]), 30);
    clock.setTimeout(() => fired.push(['a', clock.now()]), 10);
    clock.setTimeout(() => fired.push(['b', clock.now()]), 20);
    clock.setTimeout(() => fired.push(['late', clock.now()]), 100);
    clock.advance(50);
    expect(fired).toEqual([['a', 10], ['b', 20], ['c', 30]]);
    expect(clock.now()).toBe(50);
    clock.advance(50);
    expect(fired.map((f) => f[0])).toEqual(['a', 'b', 'c', 'late']);
  });

  it('timers with the same due time fire in creation order; a timer set by a timer fires if due', () => {
    const clock = new ManualClock();
    const fired: string[] = [];
    clock.setTimeout(() => {
      fired.push('first');
      clock.setTimeout(() => fired.push('nested'), 5);
    }, 10);
    clock.setTimeout(() => fired.push('second'), 10);
    clock.advance(20);
    expect(fired).toEqual(['first', 'second', 'nested']);
  });

  it('clearTimeout cancels a pending timer', () => {
    const clock = new ManualClock();
    let fired = false;
    const h = clock.setTimeout(() => { fired = true; }, 10);
    clock.clearTimeout(h);
    clock.advance(100);
    expect(fired).toBe(false);
  });
});

describe('API.md: Errors', () => {
  const cases: Array<[string, new (...args: never[]) => Error, string]> = [
    ['BrokenCircuitError', BrokenCircuitError, 'BW_CIRCUIT_OPEN'],
    ['IsolatedCircuitError', IsolatedCircuitError, 'BW_CIRCUIT_ISOLATED'],
    ['TimeoutError', TimeoutError, 'BW_TIMEOUT'],
    ['BulkheadRejectedError', BulkheadRejectedError, 'BW_BULKHEAD_FULL'],
    ['RateLimitedError', RateLimitedError, 'BW_RATE_LIMITED'],
    ['NoHealthyEndpointError', NoHealthyEndpointError, 'BW_NO_ENDPOINT'],
    ['ConfigError', ConfigError, 'BW_CONFIG'],
  ];

  it.each(cases)('%s extends BreakwaterError and Error', (_name, cls) => {
    expect(cls.prototype).toBeInstanceOf(BreakwaterError);
    expect(cls.prototype).toBeInstanceOf(Error);
  });

  it('IsolatedCircuitError extends BrokenCircuitError', () => {
    expect(IsolatedCircuitError.prototype).toBeInstanceOf(BrokenCircuitError);
  });

  async function rejectionOf(p: Promise<unknown>): Promise<unknown> {
    try {
      await p;
    } catch (e) {
      return e;
    }
    throw new Error('expected a rejection');
  }

  it('errors raised by policies carry their codes, names and isBreakwaterError', async () => {
    const clock = new ManualClock();
    const breaker = circuitBreaker({ name: 'codes', trip: consecutiveFailures(1), clock });
    await rejectionOf(breaker.execute(() => { throw new Error('x'); }));
    const open = await rejectionOf(breaker.execute(() => 1));
    const handle = breaker.isolate();
    const isolated = await rejectionOf(breaker.execute(() => 1));
    handle.release();
    const t = timeout(10, { clock });
    const pending = rejectionOf(t.execute(() => new Promise(() => {})));
    clock.advance(10);
    const timedOut = await pending;
    const bh = bulkhead({ maxConcurrent: 1 });
    const running = bh.execute(() => new Promise((r) => clock.setTimeout(() => r(1), 5)));
    const full = await rejectionOf(bh.execute(() => 1));
    clock.advance(5);
    await running;
    const rl = rateLimit({ perSecond: 1, burst: 1, clock });
    await rl.execute(() => 1);
    const limited = await rejectionOf(rl.execute(() => 1));
    const noEndpoint = await rejectionOf(loadBalancer({ endpoints: [] }).execute(() => 1));
    let config: unknown;
    try {
      circuitBreaker({ name: 'bad', halfOpenAfterMs: -5 });
    } catch (e) {
      config = e;
    }
    const expected: Array<[unknown, new (...args: never[]) => Error, string, string]> = [
      [open, BrokenCircuitError, 'BW_CIRCUIT_OPEN', 'BrokenCircuitError'],
      [isolated, IsolatedCircuitError, 'BW_CIRCUIT_ISOLATED', 'IsolatedCircuitError'],
      [timedOut, TimeoutError, 'BW_TIMEOUT', 'TimeoutError'],
      [full, BulkheadRejectedError, 'BW_BULKHEAD_FULL', 'BulkheadRejectedError'],
      [limited, RateLimitedError, 'BW_RATE_LIMITED', 'RateLimitedError'],
      [noEndpoint, NoHealthyEndpointError, 'BW_NO_ENDPOINT', 'NoHealthyEndpointError'],
      [config, ConfigError, 'BW_CONFIG', 'ConfigError'],
    ];
    for (const [error, cls, code, name] of expected) {
      expect(error).toBeInstanceOf(cls);
      expect(error).toBeInstanceOf(BreakwaterError);
      expect(error).toBeInstanceOf(Error);
      expect((error as BreakwaterError).code).toBe(code);
      expect(typeof (error as BreakwaterError).code).toBe('string');
      expect((error as Error).name).toBe(name);
      expect(typeof (error as Error).message).toBe('string');
      expect((error as Error).message.length).toBeGreaterThan(0);
      expect(isBreakwaterError(error)).toBe(true);
    }
    expect(isolated).toBeInstanceOf(BrokenCircuitError);
  });

  it('isBreakwaterError is false for anything else', () => {
    for (const v of [new Error('x'), new TypeError('t'), 'BW_TIMEOUT', { code: 'BW_TIMEOUT' }, null, undefined, 42]) {
      expect(isBreakwaterError(v)).toBe(false);
    }
  });

  it('ConfigError has a string path naming the field and a message naming the expected form', () => {
    let error: unknown;
    try {
      circuitBreaker({ name: 'cfg', halfOpenAfterMs: 'soon' as unknown as number });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const c = error as ConfigError;
    expect(typeof c.path).toBe('string');
    expect(c.path).toBe('circuitBreaker.halfOpenAfterMs');
    expect(c.message).toMatch(/expected/i);
    expect(c.message).toContain('soon');
  });

  it('factories validate options with ConfigError (one per area)', () => {
    const bad: Array<[() => unknown, string]> = [
      [() => circuitBreaker({ name: '' }), 'circuitBreaker.name'],
      [() => consecutiveFailures(0), 'consecutiveFailures'],
      [() => retry({ maxAttempts: 0 }), 'retry.maxAttempts'],
      [() => timeout(-1), 'timeout'],
      [() => bulkhead({ maxConcurrent: 0 }), 'bulkhead.maxConcurrent'],
      [() => rateLimit({ perSecond: 0 }), 'rateLimit.perSecond'],
      [() => loadBalancer({ endpoints: [{ id: 'a', url: 'http://a', weight: -1 }] }), 'weight'],
    ];
    for (const [make, path] of bad) {
      let error: unknown;
      try {
        make();
      } catch (e) {
        error = e;
      }
      expect(error, path).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).code).toBe('BW_CONFIG');
      expect((error as ConfigError).path).toContain(path);
    }
  });
});

describe('API.md: Policies and composition', () => {
  it('AttemptContext: attempt is 0-based, context is passed through, signal is an AbortSignal', async () => {
    const seen: AttemptContext[] = [];
    const policy = retry({ maxAttempts: 3, backoff: constantBackoff(0) });
    const result = await policy.execute((ctx) => {
      seen.push(ctx);
      if (ctx.attempt < 2) throw new Error('again');
      return 'done';
    }, { context: { requestId: 'r-1' } });
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
      circuitBreaker({ name: 'plain', clock }), retry({ clock }), timeout(1_000, { clock }), bulkhead({ maxConcurrent: 1 }),
      rateLimit({ perSecond: 10, clock }), core.fallback(() => 'fb'), core.cacheFallback({ ttlMs: 1_000, clock }),
      core.hedge({ delayMs: 100, clock }), pipeline(), pipeline(retry({ clock }), timeout(1_000, { clock })),
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
    const failing = (): never => { throw new Error('down'); };
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
      const p = policy.execute((ctx) => {
        inner = ctx.signal;
        return new Promise<never>(() => {});
      }, { signal: controller.signal, key: 'k' });
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
      await expect(policy.execute(() => {
        called = true;
        return 1;
      }, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
      expect(called).toBe(false);
    });

    it('balancer.execute: aborting mid-call', async () => {
      const lb = loadBalancer({ endpoints: [{ id: 'a', url: 'http://a' }], clock });
      const controller = new AbortController();
      let inner: AbortSignal | undefined;
      const p = lb.execute((_ep, ctx) => {
        inner = ctx.signal;
        return new Promise<never>(() => {});
      }, { signal: controller.signal });
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
    for (let i = 0; i < 2; i++) await a.execute(() => { throw new Error('x'); }).catch(() => undefined);
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
    await breaker.execute(() => { throw new Error('x'); }).catch(() => undefined);
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
      endpoints: [{ id: 'a', url: 'http://a' }, { id: 'b', url: 'http://b' }], strategy: roundRobin(), clock,
      outlierDetection: { consecutiveFailures: 1 },
    });
    const stop = logEvents(lb, logger);
    await lb.execute((ep) => { if (ep.id === 'a') throw new Error('down'); return 1; }).catch(() => undefined);
    expect(lines.length).toBeGreaterThanOrEqual(1);
    expect(lines[0]!.obj).toMatchObject({ endpoint: 'a' });
    expect(() => JSON.stringify(lines[0]!.obj)).not.toThrow();
    stop();
    await lb.close();
  });
});
