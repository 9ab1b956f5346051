/**
 * API contract conformance: @breakwater/core "Circuit breaker" section and the breaker parts of
 * "Semantics fixed here". Imports only from the package root.
 */
import { describe, expect, it } from 'vitest';
import {
  BreakwaterError, BrokenCircuitError, BulkheadRejectedError, ConfigError, IsolatedCircuitError, ManualClock, TimeoutError,
  bulkhead, circuitBreaker, consecutiveFailures, failureRate, pipeline, predictive, timeout,
  type BreakerState, type CircuitBreaker,
} from '@breakwater/core';

const flush = (): Promise<void> => new Promise((r) => setImmediate(r));
const boom = (): never => { throw new Error('boom'); };
const ok = (): string => 'ok';

async function fail(b: CircuitBreaker, n = 1): Promise<void> {
  for (let i = 0; i < n; i++) await b.execute(boom).catch(() => undefined);
}
async function succeed(b: CircuitBreaker, n = 1): Promise<void> {
  for (let i = 0; i < n; i++) await b.execute(ok);
}

function recorder(b: CircuitBreaker) {
  const changes: Array<{ name: string; from: BreakerState; to: BreakerState; reason: string; at: number; remote: boolean }> = [];
  b.on('stateChange', (e) => changes.push(e));
  return changes;
}

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
    expect(changes.map((c) => `${c.from}>${c.to}`)).toEqual([
      'closed>open', 'open>half-open', 'half-open>open', 'open>half-open', 'half-open>closed',
    ]);
  });

  it('the open rejection is a BrokenCircuitError and the function is not called', async () => {
    const b = circuitBreaker({ name: 'rejects', trip: consecutiveFailures(1), clock: new ManualClock() });
    await fail(b);
    let called = false;
    const e = await b.execute(() => { called = true; }).catch((x: unknown) => x);
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
    const probe = b.execute(() => new Promise<string>((r) => { release = () => r('probe'); }));
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
      name: 'probe2', trip: consecutiveFailures(1), halfOpenAfterMs: 100, halfOpen: { maxProbes: 2, successesToClose: 2 }, clock,
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
      name: 'probe-timeout', trip: consecutiveFailures(1), halfOpenAfterMs: 100, halfOpen: { probeTimeoutMs: 50 }, clock,
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
    await b.execute(() => { throw new TimeoutError(5); }).catch(() => undefined);
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
      name: 'slow', clock, slowCall: { thresholdMs: 100, rateThreshold: 0.5 },
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

describe('circuitBreaker: classification', () => {
  it('default isFailure: every thrown error except Breakwater rejections', async () => {
    const b = circuitBreaker({ name: 'cls', trip: consecutiveFailures(100), clock: new ManualClock() });
    const inner = bulkhead({ maxConcurrent: 1 });
    let release!: () => void;
    const running = inner.execute(() => new Promise<void>((r) => { release = r; }));
    await expect(pipeline(b, inner).execute(ok)).rejects.toBeInstanceOf(BulkheadRejectedError);
    expect(b.metrics().failures).toBe(0);
    release();
    await running;
    await b.execute(() => { throw new TypeError('t'); }).catch(() => undefined);
    await b.execute(() => Promise.reject('a string')).catch(() => undefined);
    expect(b.metrics().failures).toBe(2);
  });

  it('isFailure: errors it rejects still reach the caller but do not count', async () => {
    const b = circuitBreaker({ name: 'isf', trip: consecutiveFailures(1), isFailure: (e) => !(e instanceof RangeError), clock: new ManualClock() });
    await expect(b.execute(() => { throw new RangeError('client error'); })).rejects.toBeInstanceOf(RangeError);
    expect(b.state).toBe('closed');
    expect(b.metrics().failures).toBe(0);
    await expect(b.execute(boom)).rejects.toThrow('boom');
    expect(b.state).toBe('open');
  });

  it('isResultFailure: the caller still receives the result; it only counts as a failure', async () => {
    const b = circuitBreaker({
      name: 'irf', trip: consecutiveFailures(2), clock: new ManualClock(),
      isResultFailure: (r) => (r as { status: number }).status >= 500,
    });
    await expect(b.execute(() => ({ status: 503 }))).resolves.toEqual({ status: 503 });
    expect(b.metrics().failures).toBe(1);
    await expect(b.execute(async () => ({ status: 503 }))).resolves.toEqual({ status: 503 });
    expect(b.state).toBe('open');
    expect(b.metrics()).toMatchObject({ failures: 2, successes: 0 });
  });
});

describe('circuitBreaker: mode shadow', () => {
  it('tracks state, emits events and metrics, never rejects', async () => {
    const b = circuitBreaker({ name: 'shadow', mode: 'shadow', trip: consecutiveFailures(2), clock: new ManualClock() });
    const changes = recorder(b);
    const rejected: unknown[] = [];
    b.on('rejected', (e) => rejected.push(e));
    await fail(b, 2);
    expect(b.state).toBe('open');
    expect(changes.map((c) => c.to)).toEqual(['open']);
    let called = 0;
    await expect(b.execute(() => { called++; return 'ran'; })).resolves.toBe('ran');
    expect(called).toBe(1);
    expect(rejected).toHaveLength(1);
    const handle = b.isolate();
    await expect(b.execute(ok)).resolves.toBe('ok');
    handle.release();
  });

  it('enforce is the default mode', async () => {
    const b = circuitBreaker({ name: 'enforce', mode: 'enforce', trip: consecutiveFailures(1), clock: new ManualClock() });
    await fail(b);
    await expect(b.execute(ok)).rejects.toBeInstanceOf(BrokenCircuitError);
  });
});

describe('circuitBreaker: isolate() and reset()', () => {
  it('isolate forces open (IsolatedCircuitError) until released; release leaves closed with an empty window', async () => {
    const clock = new ManualClock();
    const b = circuitBreaker({ name: 'iso', trip: consecutiveFailures(3), clock });
    await fail(b, 2);
    const handle = b.isolate();
    expect(b.state).toBe('isolated');
    const e = await b.execute(ok).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(IsolatedCircuitError);
    expect(e).toBeInstanceOf(BrokenCircuitError);
    expect((e as BreakwaterError).code).toBe('BW_CIRCUIT_ISOLATED');
    clock.advance(10 * 60_000); // isolation does not expire on its own
    expect(b.state).toBe('isolated');
    await expect(b.execute(ok)).rejects.toBeInstanceOf(IsolatedCircuitError);
    handle.release();
    expect(b.state).toBe('closed');
    expect(b.metrics().failureRate).toBe(0);
    await fail(b, 2); // the 2 earlier failures were cleared
    expect(b.state).toBe('closed');
    await fail(b, 1);
    expect(b.state).toBe('open');
  });

  it('isolate works from open and its release closes', async () => {
    const b = circuitBreaker({ name: 'iso-open', trip: consecutiveFailures(1), clock: new ManualClock() });
    await fail(b);
    const h = b.isolate();
    expect(b.state).toBe('isolated');
    h.release();
    expect(b.state).toBe('closed');
    await expect(b.execute(ok)).resolves.toBe('ok');
  });

  it('reset() forces closed with an empty window', async () => {
    const b = circuitBreaker({ name: 'reset', trip: failureRate({ threshold: 0.5, minimumRequests: 4, window: { kind: 'count', size: 10 } }), clock: new ManualClock() });
    await fail(b, 3);
    expect(b.metrics().failureRate).toBe(1);
    b.reset();
    expect(b.state).toBe('closed');
    expect(b.metrics().failureRate).toBe(0);
    await fail(b, 3);
    expect(b.state).toBe('closed'); // window empty again: 3 < minimumRequests
    await fail(b, 1);
    expect(b.state).toBe('open');
    b.reset();
    expect(b.state).toBe('closed');
    await expect(b.execute(ok)).resolves.toBe('ok');
  });

  it('reset() ends an isolation too', async () => {
    const b = circuitBreaker({ name: 'reset-iso', clock: new ManualClock() });
    b.isolate();
    b.reset();
    expect(b.state).toBe('closed');
    await expect(b.execute(ok)).resolves.toBe('ok');
  });
});

describe('circuitBreaker: events', () => {
  it('stateChange payload: name, from, to, reason, at, remote', async () => {
    const clock = new ManualClock(42);
    const b = circuitBreaker({ name: 'ev', trip: consecutiveFailures(1), clock });
    const changes = recorder(b);
    await fail(b);
    expect(changes).toHaveLength(1);
    const e = changes[0]!;
    expect(e).toMatchObject({ name: 'ev', from: 'closed', to: 'open', at: 42, remote: false });
    expect(typeof e.reason).toBe('string');
    expect(e.reason.length).toBeGreaterThan(0);
  });

  it('success, failure and rejected payloads', async () => {
    const clock = new ManualClock();
    const b = circuitBreaker({ name: 'calls', trip: consecutiveFailures(1), clock });
    const seen: Array<[string, { name: string; durationMs?: number; error?: unknown }]> = [];
    b.on('success', (e) => seen.push(['success', e]));
    b.on('failure', (e) => seen.push(['failure', e]));
    b.on('rejected', (e) => seen.push(['rejected', e]));
    const p = b.execute(() => new Promise((r) => clock.setTimeout(() => r(1), 25)));
    clock.advance(25);
    await p;
    const err = new Error('x');
    await b.execute(() => { throw err; }).catch(() => undefined);
    await b.execute(ok).catch(() => undefined);
    expect(seen.map((s) => s[0])).toEqual(['success', 'failure', 'rejected']);
    expect(seen[0]![1]).toMatchObject({ name: 'calls', durationMs: 25 });
    expect(seen[1]![1]).toMatchObject({ name: 'calls', error: err });
    expect(seen[2]![1]).toMatchObject({ name: 'calls' });
  });

  it('on returns an unsubscribe function', async () => {
    const b = circuitBreaker({ name: 'unsub', trip: consecutiveFailures(1), clock: new ManualClock() });
    const events: string[] = [];
    const offs = [
      b.on('stateChange', (e) => events.push(`state:${e.to}`)),
      b.on('success', () => events.push('success')),
      b.on('failure', () => events.push('failure')),
      b.on('rejected', () => events.push('rejected')),
    ];
    for (const off of offs) expect(typeof off).toBe('function');
    await succeed(b);
    for (const off of offs) off();
    await fail(b);
    await b.execute(ok).catch(() => undefined);
    expect(events).toEqual(['success']);
  });
});

describe('circuitBreaker: option validation', () => {
  const cases: Array<[string, Record<string, unknown>]> = [
    ['circuitBreaker.halfOpenAfterMs', { halfOpenAfterMs: -1 }],
    ['circuitBreaker.halfOpen.maxProbes', { halfOpen: { maxProbes: 0 } }],
    ['circuitBreaker.halfOpen.successesToClose', { halfOpen: { successesToClose: 0 } }],
    ['circuitBreaker.slowCall.rateThreshold', { slowCall: { thresholdMs: 100, rateThreshold: 2 } }],
    ['circuitBreaker.mode', { mode: 'dry' }],
    ['circuitBreaker.isFailure', { isFailure: 'yes' }],
  ];
  it.each(cases)('%s', (path, extra) => {
    let error: unknown;
    try {
      circuitBreaker({ name: 'v', ...extra } as Parameters<typeof circuitBreaker>[0]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).path).toBe(path);
    expect((error as ConfigError).message).toMatch(/expected/);
  });

  it('failureRate validates threshold 0..1', () => {
    expect(() => failureRate({ threshold: 50, minimumRequests: 1, window: { kind: 'count', size: 10 } })).toThrow(ConfigError);
  });
});
