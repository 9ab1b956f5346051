import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../clock.js';
import { BrokenCircuitError, ConfigError, IsolatedCircuitError } from '../errors.js';
import { exponentialBackoff } from '../retry/backoff.js';
import { memoryBreakerStore } from '../store/memory-store.js';
import { boom, flush } from '../test-support/breaker.js';
import { circuitBreaker, type CircuitBreakerPolicy } from './circuit-breaker.js';
import type { BreakerSnapshot } from './types.js';
import { consecutiveFailures } from './trip/consecutive-failures.js';
import { failureRate } from './trip/failure-rate.js';
import { predictive } from './trip/predictive.js';

const WALL = Date.UTC(2026, 11, 4, 12, 0, 0);
const roundTrip = (b: CircuitBreakerPolicy): BreakerSnapshot => JSON.parse(JSON.stringify(b)) as BreakerSnapshot;

describe('breaker.toJSON() / circuitBreaker({ initialState })', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(WALL);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('an open breaker stays open across a "restart", with the open period in wall-clock time', async () => {
    const clock = new ManualClock(50_000); // the clock's epoch is unrelated to the wall clock
    const breaker = circuitBreaker({ name: 'db', clock, trip: consecutiveFailures(1), halfOpenAfterMs: 10_000 });
    await breaker.execute(boom).catch(() => undefined);
    clock.advance(4_000);
    vi.setSystemTime(WALL + 4_000);
    const snap = roundTrip(breaker);
    expect(snap).toEqual({
      version: 1,
      name: 'db',
      state: 'open',
      openUntil: WALL + 10_000,
      openAttempt: 1,
      generation: 1,
      reason: '1 consecutive failures',
      since: WALL,
      trip: { kind: 'consecutiveFailures', window: { consecutive: 0, calls: 0, failed: 0 } },
    });
    // 3 s later a new process with a fresh clock restores it.
    vi.setSystemTime(WALL + 7_000);
    const clock2 = new ManualClock(0);
    const restored = circuitBreaker({
      name: 'db',
      clock: clock2,
      trip: consecutiveFailures(1),
      halfOpenAfterMs: 10_000,
      initialState: snap,
    });
    expect(restored.state).toBe('open');
    const err = await restored.execute(() => 'x').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BrokenCircuitError);
    expect((err as BrokenCircuitError).retryAfterMs).toBe(3_000);
    expect(restored.metrics().generation).toBe(1);
    clock2.advance(3_000);
    await expect(restored.execute(() => 'x')).resolves.toBe('x');
    expect(restored.state).toBe('closed');
  });

  it('keeps the open attempt, so a growing open period continues where it was', async () => {
    const clock = new ManualClock();
    const opts = {
      name: 'g',
      clock,
      trip: consecutiveFailures(1),
      halfOpenAfterMs: exponentialBackoff({ initialMs: 1_000, maxMs: 60_000, jitter: 'none' }),
    };
    const breaker = circuitBreaker(opts);
    await breaker.execute(boom).catch(() => undefined);
    clock.advance(1_000);
    await breaker.execute(boom).catch(() => undefined); // failed probe: attempt 2
    expect(roundTrip(breaker)).toMatchObject({ state: 'open', openAttempt: 2 });
    const restored = circuitBreaker({ ...opts, initialState: roundTrip(breaker) });
    clock.advance(2_000);
    await restored.execute(boom).catch(() => undefined); // attempt 3 → 4 s
    expect(roundTrip(restored)).toMatchObject({ openAttempt: 3, openUntil: WALL + 4_000 });
  });

  it('window contents survive: count window, time window, consecutive count, predictive weights', async () => {
    const clock = new ManualClock(100_000);
    const strategies = [
      () => failureRate({ threshold: 0.6, minimumRequests: 4, window: { kind: 'count', size: 10 } }),
      () => failureRate({ threshold: 0.6, minimumRequests: 4, window: { kind: 'time', ms: 10_000, buckets: 10 } }),
      () => consecutiveFailures(3),
    ];
    for (const trip of strategies) {
      const a = circuitBreaker({ name: 'w', clock, trip: trip() });
      await a.execute(() => 'ok');
      await a.execute(() => 'ok');
      await a.execute(boom).catch(() => undefined);
      await a.execute(boom).catch(() => undefined);
      const snap = roundTrip(a);
      expect(snap.state).toBe('closed');
      const b = circuitBreaker({ name: 'w', clock, trip: trip(), initialState: snap });
      expect(b.metrics().failureRate).toBeCloseTo(a.metrics().failureRate);
      // One more failure trips both the same way.
      await a.execute(boom).catch(() => undefined);
      await b.execute(boom).catch(() => undefined);
      expect([a.state, b.state]).toEqual(['open', 'open']);
    }
    const p = predictive({ warmup: 5 });
    const a = circuitBreaker({ name: 'p', clock, trip: p });
    for (let i = 0; i < 30; i++) await a.execute(i % 3 === 0 ? boom : () => 'ok').catch(() => undefined);
    const weights = a.inspectTrip()['weights'];
    const b = circuitBreaker({ name: 'p', clock, trip: predictive({ warmup: 5 }), initialState: roundTrip(a) });
    expect(b.inspectTrip()['weights']).toEqual(weights);
  });

  it('a time window snapshot forgets buckets that aged out while the process was down', async () => {
    const clock = new ManualClock(0);
    const trip = () =>
      failureRate({ threshold: 0.5, minimumRequests: 1, window: { kind: 'time', ms: 1_000, buckets: 10 } });
    const a = circuitBreaker({ name: 't', clock, trip: trip() });
    await a.execute(() => 'ok');
    const snap = roundTrip(a);
    vi.setSystemTime(WALL + 5_000);
    const b = circuitBreaker({ name: 't', clock: new ManualClock(0), trip: trip(), initialState: snap });
    expect(b.metrics().failureRate).toBe(0);
    expect(b.inspectTrip()['calls']).toBe(0);
  });

  it('half-open restores as open and due; isolated stays isolated until reset()', async () => {
    const clock = new ManualClock();
    const a = circuitBreaker({ name: 'h', clock, trip: consecutiveFailures(1), halfOpenAfterMs: 100 });
    await a.execute(boom).catch(() => undefined);
    clock.advance(100);
    void a.execute(() => new Promise(() => {}));
    expect(roundTrip(a).state).toBe('half-open');
    const b = circuitBreaker({
      name: 'h',
      clock,
      trip: consecutiveFailures(1),
      halfOpenAfterMs: 100,
      initialState: roundTrip(a),
    });
    await expect(b.execute(() => 'ok')).resolves.toBe('ok');
    const c = circuitBreaker({ name: 'i', clock });
    c.isolate();
    const d = circuitBreaker({ name: 'i', clock, initialState: roundTrip(c) });
    await expect(d.execute(() => 'x')).rejects.toBeInstanceOf(IsolatedCircuitError);
    d.reset();
    await expect(d.execute(() => 'x')).resolves.toBe('x');
  });

  it('with a store, a newer fleet state replaces the restored one', async () => {
    const clock = new ManualClock();
    const store = memoryBreakerStore();
    const live = circuitBreaker({ name: 's', clock, store, trip: consecutiveFailures(1) });
    await live.execute(boom).catch(() => undefined);
    live.reset(); // fleet generation 2, closed
    const old = circuitBreaker({ name: 'x', clock, trip: consecutiveFailures(1) });
    await old.execute(boom).catch(() => undefined); // generation 1, open
    const restored = circuitBreaker({
      name: 's',
      clock,
      store,
      trip: consecutiveFailures(1),
      initialState: { ...roundTrip(old), name: 's' },
    });
    expect(restored.state).toBe('open');
    await flush();
    expect(restored.state).toBe('closed');
    await store.close();
  });

  it.each<[string, unknown, RegExp]>([
    ['not an object', 'open', /circuitBreaker\.initialState: expected a snapshot from breaker\.toJSON\(\), got "open"/],
    [
      'future version',
      { version: 2 },
      /circuitBreaker\.initialState\.version: snapshot version 2 is newer than this library reads \(1\)/,
    ],
    ['missing version', { state: 'open' }, /circuitBreaker\.initialState\.version: expected 1, got undefined/],
    [
      'unknown state',
      { version: 1, name: 'x', state: 'ajar' },
      /initialState\.state: expected 'closed', 'open', 'half-open' or 'isolated', got "ajar"/,
    ],
    [
      'open without openUntil',
      { version: 1, name: 'x', state: 'open', openUntil: null },
      /initialState\.openUntil: expected a wall-clock time for an open breaker/,
    ],
    [
      'bad openAttempt',
      { version: 1, name: 'x', state: 'closed', openUntil: null, openAttempt: -1 },
      /initialState\.openAttempt/,
    ],
    [
      'bad generation',
      { version: 1, name: 'x', state: 'closed', openUntil: null, openAttempt: 0, generation: 1.5 },
      /initialState\.generation/,
    ],
    [
      'no trip',
      { version: 1, name: 'x', state: 'closed', openUntil: null, openAttempt: 0, generation: 0, reason: '', since: 0 },
      /initialState\.trip/,
    ],
    [
      'bad window',
      {
        version: 1,
        name: 'x',
        state: 'closed',
        openUntil: null,
        openAttempt: 0,
        generation: 0,
        reason: '',
        since: 0,
        trip: { kind: 'consecutiveFailures', window: { consecutive: 'many' } },
      },
      /initialState\.trip\.window: expected the window of a 'consecutiveFailures' strategy/,
    ],
  ])('ConfigError: %s', (_, initialState, message) => {
    const err = (() => {
      try {
        circuitBreaker({ name: 'x', initialState: initialState as BreakerSnapshot });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(message);
  });

  it('a window of another strategy kind is skipped (the strategy changed across the restart)', () => {
    const snap = {
      version: 1,
      name: 'x',
      state: 'closed',
      openUntil: null,
      openAttempt: 0,
      generation: 3,
      reason: 'r',
      since: WALL,
      trip: { kind: 'predictive', window: { nonsense: true } },
    } as const;
    expect(circuitBreaker({ name: 'x', initialState: snap as unknown as BreakerSnapshot }).metrics().generation).toBe(
      3,
    );
  });

  it('property: restore(toJSON(b)) reads like b (state, openAttempt, failure rate, admission)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.constantFrom('ok', 'fail', 'advance'), { maxLength: 30 }), async (steps) => {
        const clock = new ManualClock();
        const make = (initialState?: BreakerSnapshot) =>
          circuitBreaker({
            name: 'p',
            clock,
            halfOpenAfterMs: 500,
            initialState,
            trip: failureRate({ threshold: 0.5, minimumRequests: 3, window: { kind: 'count', size: 6 } }),
          });
        const b = make();
        for (const s of steps) {
          if (s === 'advance') {
            clock.advance(250);
            vi.setSystemTime(Date.now() + 250);
          } else await b.execute(s === 'ok' ? () => 'ok' : boom).catch(() => undefined);
        }
        const r = make(roundTrip(b));
        expect(r.state).toBe(b.state);
        expect(r.wouldAdmit()).toBe(b.wouldAdmit());
        expect(r.metrics().failureRate).toBeCloseTo(b.metrics().failureRate);
        expect(roundTrip(r)).toEqual(roundTrip(b));
      }),
      { numRuns: 100 },
    );
  });
});
