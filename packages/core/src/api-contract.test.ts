/**
 * API contract conformance (docs/API.md), @breakwater/core: exported names and types,
 * Clock, Errors. Imports only from the package root, as a user does. The other areas:
 * api-contract-{composition,breaker,breaker-control,retry,policies,balancing,balancing-health,
 * balancing-locality}.test.ts.
 */
import * as core from '@breakwater/core';
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  BrokenCircuitError,
  BulkheadRejectedError,
  BreakwaterError,
  ConfigError,
  IsolatedCircuitError,
  ManualClock,
  NoHealthyEndpointError,
  RateLimitedError,
  TimeoutError,
  bulkhead,
  circuitBreaker,
  consecutiveFailures,
  isBreakwaterError,
  loadBalancer,
  pipeline,
  rateLimit,
  retry,
  constantBackoff,
  systemClock,
  timeout,
  roundRobin,
} from '@breakwater/core';
import type {
  AttemptContext,
  Backoff,
  BreakerState,
  BreakerStore,
  CircuitBreaker,
  Clock,
  Endpoint,
  ExecuteOptions,
  LoadBalancer,
  Policy,
  RetryBudget,
  Strategy,
  TripStrategy,
} from '@breakwater/core';

const VALUE_EXPORTS = [
  // Clock
  'systemClock',
  'ManualClock',
  // Policies and composition
  'pipeline',
  // Errors
  'BreakwaterError',
  'BrokenCircuitError',
  'IsolatedCircuitError',
  'TimeoutError',
  'BulkheadRejectedError',
  'RateLimitedError',
  'NoHealthyEndpointError',
  'ConfigError',
  'isBreakwaterError',
  // Circuit breaker
  'circuitBreaker',
  'consecutiveFailures',
  'failureRate',
  'predictive',
  // BreakerStore
  'memoryBreakerStore',
  // Other policies
  'retry',
  'exponentialBackoff',
  'constantBackoff',
  'retryBudget',
  'timeout',
  'bulkhead',
  'rateLimit',
  'fallback',
  'cacheFallback',
  'hedge',
  // Load balancing
  'loadBalancer',
  'roundRobin',
  'weightedRoundRobin',
  'leastConnections',
  'weightedLeastConnections',
  'p2cEwma',
  'consistentHash',
  'adaptive',
  'router',
  // Logging
  'logEvents',
] as const;

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
    expectTypeOf<{
      id: 'a';
      url: 'http://a';
      weight: 2;
      region: 'eu';
      zone: 'z';
      maxConnections: 3;
      backup: true;
      metadata: { k: 1 };
    }>().toMatchTypeOf<Endpoint>();
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
    const h = systemClock.setTimeout(() => {
      fired = true;
    }, 10_000);
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
    expect(fired).toEqual([
      ['a', 10],
      ['b', 20],
      ['c', 30],
    ]);
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
    const h = clock.setTimeout(() => {
      fired = true;
    }, 10);
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
    await rejectionOf(
      breaker.execute(() => {
        throw new Error('x');
      }),
    );
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
