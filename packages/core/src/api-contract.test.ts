/**
 * The API contract suite of @breakwater/core (docs/API.md): the one test file that imports only the
 * package root, as a user does. It pins the public surface (exactly the names docs/ARCHITECTURE.md
 * lists), the contract's types, errors and codes, the clock, caller cancellation across every
 * policy, and the contract cases no unit test covers. Each behaviour's detailed tests live next to
 * its code (breaker/, retry/, balancing/, ...); the eight api-contract-*.test.ts files that repeated
 * them were folded here or deleted where a unit test covers the same lines (issue 18.7).
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
  SaturatedError,
  TimeoutError,
  bulkhead,
  cacheFallback,
  circuitBreaker,
  consecutiveFailures,
  isBreakwaterError,
  loadBalancer,
  pipeline,
  predictive,
  rateLimit,
  retry,
  constantBackoff,
  router,
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

const flush = (): Promise<void> => new Promise((r) => setImmediate(r));
const ep = (id: string, extra: Partial<Endpoint> = {}): Endpoint => ({ id, url: `http://${id}.test:8080`, ...extra });

/** The values of the package root: docs/API.md's contract plus its Extensions (docs/ARCHITECTURE.md). */
const CONTRACT_VALUES = [
  ...['systemClock', 'ManualClock', 'pipeline', 'isBreakwaterError', 'BreakwaterError', 'BrokenCircuitError'],
  ...['IsolatedCircuitError', 'TimeoutError', 'BulkheadRejectedError', 'RateLimitedError', 'NoHealthyEndpointError'],
  ...[
    'SaturatedError',
    'ClosedError',
    'ConfigError',
    'circuitBreaker',
    'consecutiveFailures',
    'failureRate',
    'predictive',
  ],
  ...['memoryBreakerStore', 'retry', 'exponentialBackoff', 'constantBackoff', 'retryBudget', 'timeout', 'bulkhead'],
  ...['rateLimit', 'fallback', 'cacheFallback', 'hedge', 'loadBalancer', 'roundRobin', 'weightedRoundRobin'],
  ...['leastConnections', 'weightedLeastConnections', 'p2cEwma', 'consistentHash', 'adaptive', 'router', 'logEvents'],
];
const EXTENSION_VALUES = [
  'adaptiveConcurrency',
  'isLocalResourceError',
  'LOCAL_RESOURCE_ERROR_CODES',
  'isRetryableError',
  'closestRegion',
];

describe('API.md: exported names', () => {
  it.each(CONTRACT_VALUES)('exports %s from the package root', (name) => {
    expect((core as Record<string, unknown>)[name]).toBeDefined();
  });

  it('exports nothing else: internals live in @breakwater/core/internal', () => {
    expect(Object.keys(core).sort()).toEqual([...CONTRACT_VALUES, ...EXTENSION_VALUES].sort());
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
    expectTypeOf<ExecuteOptions>().toMatchTypeOf<{
      signal?: AbortSignal;
      key?: string;
      context?: Record<string, unknown>;
    }>();
    expectTypeOf<AttemptContext['attempt']>().toEqualTypeOf<number>();
    expectTypeOf<AttemptContext['signal']>().toEqualTypeOf<AbortSignal>();
    expectTypeOf<AttemptContext['context']>().toEqualTypeOf<Record<string, unknown>>();
    expectTypeOf<AttemptContext['endpoint']>().toEqualTypeOf<Endpoint | undefined>();
  });

  it('event payloads fit the API.md listener types (balancer events are Record<string, unknown>)', () => {
    const lb = loadBalancer({ endpoints: [] });
    const sink: Array<Record<string, unknown>> = [];
    for (const event of ['health', 'ejection', 'regionChange'] as const)
      expect(typeof lb.on(event, (e) => sink.push(e))).toBe('function');
    const b = circuitBreaker({ name: 'payload-types' });
    const changes: Array<{
      name: string;
      from: BreakerState;
      to: BreakerState;
      reason: string;
      at: number;
      remote: boolean;
    }> = [];
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
    systemClock.clearTimeout(systemClock.setTimeout(() => expect.unreachable(), 10_000));
  });

  it('ManualClock starts at startMs (default 0); advance() fires due timers in order, each seeing its due time', () => {
    expect(new ManualClock().now()).toBe(0);
    const clock: Clock & ManualClock = new ManualClock(1_000);
    const fired: Array<[string, number]> = [];
    clock.setTimeout(() => fired.push(['c', clock.now()]), 30);
    clock.setTimeout(() => fired.push(['a', clock.now()]), 10);
    const cancelled = clock.setTimeout(() => fired.push(['x', clock.now()]), 20);
    clock.clearTimeout(cancelled);
    clock.advance(50);
    expect(fired).toEqual([
      ['a', 1_010],
      ['c', 1_030],
    ]);
    expect(clock.now()).toBe(1_050);
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

describe('a caller-aborted signal rejects at once with its reason and aborts ctx.signal', () => {
  const clock = new ManualClock();
  const make: Array<[string, () => Policy]> = [
    ['circuitBreaker', () => circuitBreaker({ name: 'abort', clock })],
    ['retry', () => retry({ clock })],
    ['timeout', () => timeout(60_000, { clock })],
    ['bulkhead', () => bulkhead({ maxConcurrent: 1 })],
    ['rateLimit', () => rateLimit({ perSecond: 10, clock })],
    ['fallback', () => core.fallback(() => 'substitute')],
    ['cacheFallback', () => cacheFallback({ ttlMs: 1_000, clock })],
    ['hedge', () => core.hedge({ delayMs: 60_000, clock })],
    [
      'pipeline',
      () => pipeline(retry({ clock }), circuitBreaker({ name: 'abort-p', clock }), timeout(60_000, { clock })),
    ],
    ['balancer.asPolicy', () => loadBalancer({ endpoints: [ep('a')], clock }).asPolicy()],
  ];

  it('pipeline() with no policies runs sync and async functions', async () => {
    await expect(pipeline().execute(async () => 8)).resolves.toBe(8);
  });

  it.each(make)(
    '%s: runs plain sync and async functions; aborting mid-call; aborted before the call',
    async (_name, factory) => {
      const policy = factory();
      await expect(policy.execute(() => 7)).resolves.toBe(7);
      await expect(policy.execute(async () => 8)).resolves.toBe(8);
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
      expect(inner!.aborted).toBe(false);
      controller.abort(reason);
      await expect(p).rejects.toBe(reason);
      expect(inner!.aborted).toBe(true);
      let called = false;
      const gone = new Error('already gone');
      await expect(policy.execute(() => (called = true), { signal: AbortSignal.abort(gone) })).rejects.toBe(gone);
      expect(called).toBe(false);
    },
  );
});

// Contract cases found in no unit test (checked with V8 coverage when the other contract files went).
describe('contract cases kept from the folded files', () => {
  it('router: L7 routing by pathPrefix, method and header (string or RegExp, any case), else default', () => {
    const [orders, writes, canary, beta, fallbackLb] = ['o', 'w', 'c', 'b', 'd'].map((id) =>
      loadBalancer({ name: id, endpoints: [ep(id)] }),
    );
    const r = router({
      routes: [
        { match: { header: { 'x-canary': 'true' } }, to: canary! },
        { match: { header: { 'user-agent': /beta/ } }, to: beta! },
        { match: { pathPrefix: '/orders', method: 'POST' }, to: writes! },
        { match: { pathPrefix: '/orders' }, to: orders! },
      ],
      default: fallbackLb!,
    });
    expect(r.resolve({ path: '/orders/1', method: 'POST' })).toBe(writes);
    expect(r.resolve({ path: '/orders/1', method: 'GET' })).toBe(orders);
    expect(r.resolve({ path: '/users', headers: { 'X-Canary': 'true' } })).toBe(canary);
    expect(r.resolve({ path: '/users', headers: { 'user-agent': 'app-beta-2' } })).toBe(beta);
    expect(r.resolve({ path: '/users' })).toBe(fallbackLb);
  });

  it('loadBalancer validates endpoints with ConfigError; endpoints are healthy until a check says otherwise', () => {
    expect(() => loadBalancer({ endpoints: [{ id: 'a' } as Endpoint] })).toThrow(ConfigError);
    expect(() => loadBalancer({ endpoints: [ep('a'), ep('a')] })).toThrow(ConfigError);
    expect(() => loadBalancer({ endpoints: 'x' as never })).toThrow(ConfigError);
    const lb = loadBalancer({
      endpoints: [ep('a'), ep('b')],
      healthCheck: { check: async () => false },
      clock: new ManualClock(),
    });
    expect(lb.endpoints().every((e) => e.healthy)).toBe(true);
    void lb.close();
    void loadBalancer({ endpoints: [ep('c')], healthCheck: { path: '/ready' }, clock: new ManualClock() }).close();
  });

  it('saturation: a full queue rejects with SaturatedError (retried by default); pick() cannot wait', async () => {
    const lb = loadBalancer({ endpoints: [ep('a', { maxConnections: 1 })], queue: { maxPending: 0 } });
    let release!: () => void;
    const running = lb.execute(() => new Promise<void>((r) => (release = r)));
    await flush();
    await expect(lb.execute(() => 1)).rejects.toMatchObject({ code: 'BW_SATURATED', reason: 'queue full' });
    expect(() => lb.pick()).toThrow(SaturatedError);
    let calls = 0;
    const retried = retry({ maxAttempts: 2, backoff: constantBackoff(0) }).execute(() => {
      if (++calls === 1) throw new SaturatedError('queue full', 'busy');
      return 'ok';
    });
    await expect(retried).resolves.toBe('ok');
    release();
    await running;
  });

  it('predictive trips once failures dominate after warmup and exposes its weights', async () => {
    const clock = new ManualClock();
    const strategy = predictive({ warmup: 10, windowSize: 20 });
    expect(strategy.weights).toEqual({ bias: 0, errorRate: 0, latency: 0, latencyTrend: 0, inFlight: 0 });
    const b = circuitBreaker({ name: 'pred', trip: strategy, clock });
    for (let i = 0; i < 200 && b.state === 'closed'; i++) {
      const p = b.execute(() => new Promise<never>((_, rej) => clock.setTimeout(() => rej(new Error('down')), 10 + i)));
      clock.advance(10 + i);
      await p.catch(() => undefined);
    }
    expect(b.state).toBe('open');
    expect(strategy.weights).toEqual(strategy.inspect()!.weights);
    expect(strategy.weights.errorRate).not.toBe(0);
  });

  it('cacheFallback maxEntries: the least recently used key is evicted', async () => {
    const cache = cacheFallback({ ttlMs: 60_000, maxEntries: 1 });
    await cache.execute(() => 'a', { key: 'a' });
    await cache.execute(() => 'b', { key: 'b' });
    const down = (): never => {
      throw new Error('down');
    };
    await expect(cache.execute(down, { key: 'a' })).rejects.toThrow('down');
    await expect(cache.execute(down, { key: 'b' })).resolves.toBe('b');
  });
});
