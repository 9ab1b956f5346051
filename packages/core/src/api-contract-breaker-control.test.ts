/**
 * API contract conformance: @breakwater/core "Circuit breaker" — classification (isFailure,
 * isResultFailure), shadow mode, isolate()/reset(), events, option validation. Imports only from
 * the package root.
 */
import { describe, expect, it } from 'vitest';
import {
  BreakwaterError,
  BrokenCircuitError,
  BulkheadRejectedError,
  ConfigError,
  IsolatedCircuitError,
  ManualClock,
  bulkhead,
  circuitBreaker,
  consecutiveFailures,
  failureRate,
  pipeline,
} from '@breakwater/core';
import { boom, ok, fail, succeed, recorder } from './test-support/contract.js';

describe('circuitBreaker: classification', () => {
  it('default isFailure: every thrown error except Breakwater rejections', async () => {
    const b = circuitBreaker({ name: 'cls', trip: consecutiveFailures(100), clock: new ManualClock() });
    const inner = bulkhead({ maxConcurrent: 1 });
    let release!: () => void;
    const running = inner.execute(
      () =>
        new Promise<void>((r) => {
          release = r;
        }),
    );
    await expect(pipeline(b, inner).execute(ok)).rejects.toBeInstanceOf(BulkheadRejectedError);
    expect(b.metrics().failures).toBe(0);
    release();
    await running;
    await b
      .execute(() => {
        throw new TypeError('t');
      })
      .catch(() => undefined);
    await b.execute(() => Promise.reject('a string')).catch(() => undefined);
    expect(b.metrics().failures).toBe(2);
  });

  it('isFailure: errors it rejects still reach the caller but do not count', async () => {
    const b = circuitBreaker({ name: 'isf', trip: consecutiveFailures(1), isFailure: (e) => !(e instanceof RangeError), clock: new ManualClock() });
    await expect(
      b.execute(() => {
        throw new RangeError('client error');
      }),
    ).rejects.toBeInstanceOf(RangeError);
    expect(b.state).toBe('closed');
    expect(b.metrics().failures).toBe(0);
    await expect(b.execute(boom)).rejects.toThrow('boom');
    expect(b.state).toBe('open');
  });

  it('isResultFailure: the caller still receives the result; it only counts as a failure', async () => {
    const b = circuitBreaker({
      name: 'irf',
      trip: consecutiveFailures(2),
      clock: new ManualClock(),
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
    await expect(
      b.execute(() => {
        called++;
        return 'ran';
      }),
    ).resolves.toBe('ran');
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
    const b = circuitBreaker({
      name: 'reset',
      trip: failureRate({ threshold: 0.5, minimumRequests: 4, window: { kind: 'count', size: 10 } }),
      clock: new ManualClock(),
    });
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
    await b
      .execute(() => {
        throw err;
      })
      .catch(() => undefined);
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
