/**
 * API contract conformance: @breakwater/core "Circuit breaker" — defaults, state machine, half-open
 * probes, metrics(), trip strategies. Imports only from the package root.
 */
import { describe, expect, it } from 'vitest';
import {
  BrokenCircuitError,
  IsolatedCircuitError,
  ManualClock,
  TimeoutError,
  circuitBreaker,
  consecutiveFailures,
  failureRate,
  pipeline,
  predictive,
  timeout,
  type BreakerState,
} from '@breakwater/core';
import { flush, ok, fail, succeed, recorder } from './test-support/contract.js';

describe('circuitBreaker: identity and defaults', () => {
  it('has the given name and starts closed', () => {
    const b = circuitBreaker({ name: 'payments' });
    expect(b.name).toBe('payments');
    expect(b.state).toBe('closed');
    expect(b.metrics().state).toBe('closed');
  });

  it('default trip is consecutiveFailures(5)', async () => {
    const b = circuitBreaker({ name: 'default-trip', clock: new ManualClock() });
    await fail(b, 4);
    expect(b.state).toBe('closed');
    await fail(b, 1);
    expect(b.state).toBe('open');
  });

  it('consecutiveFailures: a success resets the count', async () => {
    const b = circuitBreaker({ name: 'cf', trip: consecutiveFailures(3), clock: new ManualClock() });
    await fail(b, 2);
    await succeed(b);
    await fail(b, 2);
    expect(b.state).toBe('closed');
    await fail(b, 1);
    expect(b.state).toBe('open');
  });

  it('default halfOpenAfterMs is 30_000: rejects before, admits a probe at 30 s', async () => {
    const clock = new ManualClock();
    const b = circuitBreaker({ name: 'default-open', trip: consecutiveFailures(1), clock });
    await fail(b);
    clock.advance(29_999);
    await expect(b.execute(ok)).rejects.toBeInstanceOf(BrokenCircuitError);
    clock.advance(1);
    await expect(b.execute(ok)).resolves.toBe('ok');
    expect(b.state).toBe('closed');
  });

  it('open → half-open → closed on a probe success, open again on a probe failure', async () => {
    const clock = new ManualClock();
    const b = circuitBreaker({ name: 'cycle', trip: consecutiveFailures(1), halfOpenAfterMs: 1_000, clock });
    const changes = recorder(b);
    await fail(b);
    clock.advance(1_000);
    await fail(b); // failed probe
    expect(b.state).toBe('open');
    clock.advance(1_000);
    let seen: BreakerState | undefined;
    await b.execute(() => {
      seen = b.state;
      return 1;
    });
    expect(seen).toBe('half-open');
    expect(b.state).toBe('closed');
    expect(changes.map((c) => `${c.from}>${c.to}`)).toEqual(['closed>open', 'open>half-open', 'half-open>open', 'open>half-open', 'half-open>closed']);
  });

  it('the open rejection is a BrokenCircuitError and the function is not called', async () => {
    const b = circuitBreaker({ name: 'rejects', trip: consecutiveFailures(1), clock: new ManualClock() });
    await fail(b);
    let called = false;
    const e = await b
      .execute(() => {
        called = true;
      })
      .catch((x: unknown) => x);
    expect(e).toBeInstanceOf(BrokenCircuitError);
    expect((e as BrokenCircuitError).code).toBe('BW_CIRCUIT_OPEN');
    expect(called).toBe(false);
  });
});

describe('circuitBreaker: half-open probes', () => {
  it('admits at most maxProbes (default 1) concurrent calls; the rest get BrokenCircuitError', async () => {
    const clock = new ManualClock();
    const b = circuitBreaker({ name: 'probe1', trip: consecutiveFailures(1), halfOpenAfterMs: 100, clock });
    await fail(b);
    clock.advance(100);
    let release!: () => void;
    const probe = b.execute(
      () =>
        new Promise<string>((r) => {
          release = () => r('probe');
        }),
    );
    expect(b.state).toBe('half-open');
    const second = await b.execute(ok).catch((e: unknown) => e);
    expect(second).toBeInstanceOf(BrokenCircuitError);
    expect(second).not.toBeInstanceOf(IsolatedCircuitError);
    release();
    await expect(probe).resolves.toBe('probe');
    expect(b.state).toBe('closed');
  });

  it('maxProbes and successesToClose', async () => {
    const clock = new ManualClock();
    const b = circuitBreaker({
      name: 'probe2',
      trip: consecutiveFailures(1),
      halfOpenAfterMs: 100,
      halfOpen: { maxProbes: 2, successesToClose: 2 },
      clock,
    });
    await fail(b);
    clock.advance(100);
    const releases: Array<() => void> = [];
    const p1 = b.execute(() => new Promise<number>((r) => releases.push(() => r(1))));
    const p2 = b.execute(() => new Promise<number>((r) => releases.push(() => r(2))));
    await expect(b.execute(ok)).rejects.toBeInstanceOf(BrokenCircuitError);
    releases[0]!();
    await p1;
    expect(b.state).toBe('half-open');
    releases[1]!();
    await p2;
    expect(b.state).toBe('closed');
  });

  it('a probe slot held longer than probeTimeoutMs counts as a failed probe (no stuck half-open)', async () => {
    const clock = new ManualClock();
    const b = circuitBreaker({
      name: 'probe-timeout',
      trip: consecutiveFailures(1),
      halfOpenAfterMs: 100,
      halfOpen: { probeTimeoutMs: 50 },
      clock,
    });
    await fail(b);
    clock.advance(100);
    void b.execute(() => new Promise(() => {})); // a probe that never settles
    expect(b.state).toBe('half-open');
    clock.advance(50);
    expect(b.state).toBe('open');
    clock.advance(100);
    await expect(b.execute(ok)).resolves.toBe('ok');
    expect(b.state).toBe('closed');
  });
});

describe('circuitBreaker: metrics()', () => {
  it('has every field; requests = successes + failures + rejected', async () => {
    const clock = new ManualClock(5_000);
    const b = circuitBreaker({ name: 'm', trip: consecutiveFailures(2), clock });
    const m0 = b.metrics();
    expect(m0).toMatchObject({ state: 'closed', requests: 0, successes: 0, failures: 0, timeouts: 0, rejected: 0, slowCalls: 0, failureRate: 0 });
    expect(typeof m0.stateSince).toBe('number');
    await succeed(b, 3);
    await fail(b, 2);
    clock.advance(10);
    await b.execute(ok).catch(() => undefined);
    await b.execute(ok).catch(() => undefined);
    const m = b.metrics();
    expect(m.state).toBe('open');
    expect(m.successes).toBe(3);
    expect(m.failures).toBe(2);
    expect(m.rejected).toBe(2);
    expect(m.requests).toBe(7);
    expect(m.requests).toBe(m.successes + m.failures + m.rejected);
    expect(m.stateSince).toBe(5_000);
    for (const k of ['state', 'requests', 'successes', 'failures', 'timeouts', 'rejected', 'slowCalls', 'failureRate', 'stateSince'] as const) {
      expect(m).toHaveProperty(k);
    }
  });

  it('failureRate is 0..1 over the current window', async () => {
    const clock = new ManualClock();
    const b = circuitBreaker({ name: 'rate', trip: failureRate({ threshold: 0.9, minimumRequests: 4, window: { kind: 'count', size: 4 } }), clock });
    await succeed(b, 4);
    expect(b.metrics().failureRate).toBe(0);
    await fail(b, 1);
    expect(b.metrics().failureRate).toBeCloseTo(0.25);
    await fail(b, 1);
    expect(b.metrics().failureRate).toBeCloseTo(0.5);
    expect(b.state).toBe('closed');
  });

  it('a TimeoutError from an inner policy counts as a failure and as a timeout', async () => {
    const clock = new ManualClock();
    const b = circuitBreaker({ name: 'to', clock });
    const p = pipeline(b, timeout(100, { clock })).execute(() => new Promise(() => {}));
    await flush();
    clock.advance(100);
    await expect(p).rejects.toBeInstanceOf(TimeoutError);
    expect(b.metrics()).toMatchObject({ failures: 1, timeouts: 1, successes: 0, requests: 1 });
  });

  it('a TimeoutError thrown by the function counts too', async () => {
    const b = circuitBreaker({ name: 'to2', clock: new ManualClock() });
    await b
      .execute(() => {
        throw new TimeoutError(5);
      })
      .catch(() => undefined);
    expect(b.metrics()).toMatchObject({ failures: 1, timeouts: 1 });
  });

  it('stateSince is the clock time of the last transition', async () => {
    const clock = new ManualClock(1_000);
    const b = circuitBreaker({ name: 'since', trip: consecutiveFailures(1), clock });
    clock.advance(500);
    await fail(b);
    expect(b.metrics().stateSince).toBe(1_500);
  });
});

describe('circuitBreaker: failureRate trip strategy', () => {
  it('trips when the rate is ≥ threshold (equality trips) and the window holds minimumRequests', async () => {
    const clock = new ManualClock();
    const b = circuitBreaker({ name: 'fr', trip: failureRate({ threshold: 0.5, minimumRequests: 4, window: { kind: 'count', size: 10 } }), clock });
    await fail(b, 2); // 2/2 = 100% but below minimumRequests
    expect(b.state).toBe('closed');
    await succeed(b, 1); // 2/3
    expect(b.state).toBe('closed');
    await succeed(b, 1); // 2/4 = 50% ≥ 50%
    expect(b.state).toBe('open');
  });

  it('does not trip just below the threshold', async () => {
    const clock = new ManualClock();
    const b = circuitBreaker({ name: 'fr2', trip: failureRate({ threshold: 0.5, minimumRequests: 5, window: { kind: 'count', size: 5 } }), clock });
    await succeed(b, 3);
    await fail(b, 2); // 40%
    expect(b.state).toBe('closed');
    await fail(b, 1); // window of 5: s s f f f → 60%
    expect(b.state).toBe('open');
  });

  it('time window: only the last `ms` count', async () => {
    const clock = new ManualClock();
    const b = circuitBreaker({ name: 'frt', trip: failureRate({ threshold: 0.5, minimumRequests: 3, window: { kind: 'time', ms: 1_000 } }), clock });
    await fail(b, 2);
    clock.advance(2_000); // those failures left the window
    await succeed(b, 2);
    await fail(b, 1); // 1/3
    expect(b.state).toBe('closed');
    await fail(b, 1); // 2/4 = 50%
    expect(b.state).toBe('open');
  });

  it('time window with buckets', async () => {
    const clock = new ManualClock();
    const b = circuitBreaker({ name: 'frb', trip: failureRate({ threshold: 1, minimumRequests: 2, window: { kind: 'time', ms: 1_000, buckets: 4 } }), clock });
    await fail(b, 2);
    expect(b.state).toBe('open');
  });

  it('slowCall: slow successes trip when their rate is ≥ rateThreshold', async () => {
    const clock = new ManualClock();
    const b = circuitBreaker({
      name: 'slow',
      clock,
      slowCall: { thresholdMs: 100, rateThreshold: 0.5 },
      trip: failureRate({ threshold: 0.9, minimumRequests: 4, window: { kind: 'count', size: 10 } }),
    });
    const slow = (): Promise<string> => {
      const p = b.execute(() => new Promise<string>((r) => clock.setTimeout(() => r('slow'), 150)));
      clock.advance(150);
      return p;
    };
    await succeed(b, 2);
    await slow();
    expect(b.metrics().slowCalls).toBe(1);
    expect(b.state).toBe('closed');
    await slow(); // 2 slow of 4 = 50% ≥ 50%
    expect(b.metrics().slowCalls).toBe(2);
    expect(b.metrics().successes).toBe(4);
    expect(b.state).toBe('open');
  });
});

describe('circuitBreaker: predictive trip strategy', () => {
  it('trips once failures dominate after warmup and exposes its weights', async () => {
    const clock = new ManualClock();
    const strategy = predictive({ warmup: 10, windowSize: 20 });
    const b = circuitBreaker({ name: 'pred', trip: strategy, clock });
    for (let i = 0; i < 200 && b.state === 'closed'; i++) {
      const p = b.execute(() => new Promise<never>((_, rej) => clock.setTimeout(() => rej(new Error('down')), 10 + i)));
      clock.advance(10 + i);
      await p.catch(() => undefined);
    }
    expect(b.state).toBe('open');
    const inspected = strategy.inspect();
    expect(inspected?.weights).toBeDefined();
    expect(Object.values(inspected!.weights).every((w) => Number.isFinite(w))).toBe(true);
    expect(strategy.weights).toEqual(inspected!.weights);
    expect(strategy.weights.errorRate).not.toBe(0); // it learned something
    expect(b.inspectTrip().weights).toEqual(inspected!.weights);
  });

  it('defaults: threshold 0.7, windowSize 100', () => {
    const strategy = predictive();
    expect(strategy.weights).toEqual({ bias: 0, errorRate: 0, latency: 0, latencyTrend: 0, inFlight: 0 });
    circuitBreaker({ name: 'pred-defaults', trip: strategy, clock: new ManualClock() });
    expect(strategy.inspect()).toMatchObject({ threshold: 0.7 });
  });

  it('does not trip before warmup', async () => {
    const b = circuitBreaker({ name: 'pred2', trip: predictive({ warmup: 50 }), clock: new ManualClock() });
    await fail(b, 49);
    expect(b.state).toBe('closed');
  });
});
