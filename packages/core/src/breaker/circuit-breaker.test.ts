import { describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../clock.js';
import { BrokenCircuitError, BulkheadRejectedError, IsolatedCircuitError, TimeoutError } from '../errors.js';
import { circuitBreaker } from './circuit-breaker.js';
import { consecutiveFailures } from './trip/consecutive-failures.js';
import { failureRate } from './trip/failure-rate.js';
import type { StateChangeEvent } from './types.js';
import { boom, deferred, flush, ok } from '../test-support/breaker.js';

function setup(extra: Partial<Parameters<typeof circuitBreaker>[0]> = {}) {
  const clock = new ManualClock(1_000);
  const breaker = circuitBreaker({
    name: 'svc',
    trip: consecutiveFailures(3),
    halfOpenAfterMs: 1_000,
    clock,
    ...extra,
  });
  const changes: StateChangeEvent[] = [];
  breaker.on('stateChange', (e) => changes.push(e));
  return { clock, breaker, changes };
}

async function trip(breaker: ReturnType<typeof circuitBreaker>, n = 3): Promise<void> {
  for (let i = 0; i < n; i++) await expect(breaker.execute(boom)).rejects.toThrow('boom');
}

describe('circuitBreaker', () => {
  it('passes results and errors through while closed', async () => {
    const { breaker } = setup();
    await expect(breaker.execute(() => 42)).resolves.toBe(42);
    await expect(breaker.execute(async () => 'x')).resolves.toBe('x');
    await expect(breaker.execute(boom)).rejects.toThrow('boom');
    expect(breaker.state).toBe('closed');
  });

  it('opens after n consecutive failures and rejects without calling fn', async () => {
    const { breaker, changes } = setup();
    await trip(breaker);
    expect(breaker.state).toBe('open');
    expect(changes).toMatchObject([
      {
        name: 'svc',
        from: 'closed',
        to: 'open',
        reason: '3 consecutive failures',
        remote: false,
        generation: 1,
        at: 1_000,
      },
    ]);
    const fn = vi.fn(ok);
    const err = await breaker.execute(fn).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BrokenCircuitError);
    expect((err as BrokenCircuitError).code).toBe('BW_CIRCUIT_OPEN');
    expect((err as BrokenCircuitError).retryAfterMs).toBe(1_000);
    expect(fn).not.toHaveBeenCalled();
  });

  it('a success resets the consecutive count', async () => {
    const { breaker } = setup();
    await trip(breaker, 2);
    await breaker.execute(ok);
    await trip(breaker, 2);
    expect(breaker.state).toBe('closed');
  });

  it('goes half-open after halfOpenAfterMs (on the next call or read of state); a probe success closes', async () => {
    const { breaker, clock, changes } = setup();
    await trip(breaker);
    clock.advance(999);
    await expect(breaker.execute(ok)).rejects.toBeInstanceOf(BrokenCircuitError);
    clock.advance(1);
    expect(changes.map((c) => c.to)).toEqual(['open']); // no timer: nothing happens by itself
    expect(breaker.state).toBe('half-open'); // reads half-open when due; the transition waits for the call
    await expect(breaker.execute(ok)).resolves.toBe('ok');
    expect(breaker.state).toBe('closed');
    expect(changes.map((c) => `${c.from}>${c.to}:${c.reason}`)).toEqual([
      'closed>open:3 consecutive failures',
      'open>half-open:open for 1000ms',
      'half-open>closed:probe succeeded',
    ]);
    expect(changes.map((c) => c.generation)).toEqual([1, 2, 3]);
    expect(breaker.generation).toBe(3);
  });

  it('a probe failure re-opens for another halfOpenAfterMs', async () => {
    const { breaker, clock } = setup();
    await trip(breaker);
    clock.advance(1_000);
    await expect(breaker.execute(boom)).rejects.toThrow('boom');
    expect(breaker.state).toBe('open');
    clock.advance(500);
    await expect(breaker.execute(ok)).rejects.toBeInstanceOf(BrokenCircuitError);
    clock.advance(500);
    await expect(breaker.execute(ok)).resolves.toBe('ok');
    expect(breaker.state).toBe('closed');
  });

  it('admits at most maxProbes concurrent probes and needs successesToClose successes', async () => {
    const { breaker, clock } = setup({ halfOpen: { maxProbes: 2, successesToClose: 3 } });
    await trip(breaker);
    clock.advance(1_000);
    const a = deferred<string>();
    const b = deferred<string>();
    const pa = breaker.execute(() => a.promise);
    const pb = breaker.execute(() => b.promise);
    expect(breaker.state).toBe('half-open');
    const third = vi.fn(ok);
    await expect(breaker.execute(third)).rejects.toThrow(/half-open/);
    expect(third).not.toHaveBeenCalled();
    a.resolve('a');
    await pa;
    expect(breaker.state).toBe('half-open');
    await expect(breaker.execute(ok)).resolves.toBe('ok'); // second success, slot was free
    b.resolve('b');
    await pb;
    expect(breaker.state).toBe('closed');
  });

  it('counts metrics: requests = successes + failures + rejected', async () => {
    const { breaker, clock } = setup();
    await breaker.execute(ok);
    await trip(breaker);
    await expect(breaker.execute(ok)).rejects.toBeInstanceOf(BrokenCircuitError);
    await expect(breaker.execute(ok)).rejects.toBeInstanceOf(BrokenCircuitError);
    const m = breaker.metrics();
    expect(m).toMatchObject({
      state: 'open',
      requests: 6,
      successes: 1,
      failures: 3,
      rejected: 2,
      timeouts: 0,
      stateSince: 1_000,
    });
    clock.advance(1_000);
    await breaker.execute(ok);
    expect(breaker.metrics()).toMatchObject({
      state: 'closed',
      requests: 7,
      successes: 2,
      failureRate: 0,
      stateSince: 2_000,
    });
  });

  it('reports failureRate over the current window', async () => {
    const { breaker } = setup({
      trip: failureRate({ threshold: 0.9, minimumRequests: 10, window: { kind: 'count', size: 10 } }),
    });
    await breaker.execute(ok);
    await breaker.execute(ok);
    await breaker.execute(ok);
    await expect(breaker.execute(boom)).rejects.toThrow();
    expect(breaker.metrics().failureRate).toBe(0.25);
  });

  it('isResultFailure: the caller gets the result, the breaker counts a failure', async () => {
    const { breaker } = setup({ isResultFailure: (r) => (r as { status: number }).status >= 500 });
    for (let i = 0; i < 3; i++)
      await expect(breaker.execute(() => ({ status: 503 }))).resolves.toEqual({ status: 503 });
    expect(breaker.state).toBe('open');
    expect(breaker.metrics().failures).toBe(3);
  });

  it('a TimeoutError is a failure and a timeout', async () => {
    const { breaker } = setup();
    await expect(breaker.execute(() => Promise.reject(new TimeoutError(10)))).rejects.toBeInstanceOf(TimeoutError);
    expect(breaker.metrics()).toMatchObject({ failures: 1, timeouts: 1 });
  });

  it('Breakwater rejections from inner policies are not failures by default', async () => {
    const { breaker } = setup();
    for (let i = 0; i < 5; i++)
      await expect(
        breaker.execute(() => {
          throw new BulkheadRejectedError(1, 0);
        }),
      ).rejects.toThrow();
    expect(breaker.state).toBe('closed');
    expect(breaker.metrics().failures).toBe(0);
  });

  it('a throwing classifier counts a failure and never replaces the outcome', async () => {
    const { breaker } = setup({
      isFailure: () => {
        throw new Error('bad classifier');
      },
      isResultFailure: () => {
        throw new Error('bad');
      },
    });
    await expect(breaker.execute(boom)).rejects.toThrow('boom');
    await expect(breaker.execute(() => 'value')).resolves.toBe('value');
    expect(breaker.metrics().failures).toBe(2);
  });

  it('custom isFailure decides what counts', async () => {
    const { breaker } = setup({ isFailure: (e) => (e as Error).message !== 'not found' });
    for (let i = 0; i < 5; i++)
      await expect(
        breaker.execute(() => {
          throw new Error('not found');
        }),
      ).rejects.toThrow();
    expect(breaker.state).toBe('closed');
  });

  it('emits success, failure and rejected events with durations', async () => {
    const { breaker, clock } = setup();
    const seen: string[] = [];
    breaker.on('success', (e) => seen.push(`success:${e.durationMs}`));
    const off = breaker.on('failure', (e) => seen.push(`failure:${e.durationMs}:${(e.error as Error).message}`));
    breaker.on('rejected', (e) => seen.push(`rejected:${e.name}`));
    const d = deferred<string>();
    const p = breaker.execute(() => d.promise);
    clock.advance(25);
    d.resolve('x');
    await p;
    await trip(breaker);
    await expect(breaker.execute(ok)).rejects.toThrow();
    off();
    clock.advance(1_000);
    await expect(breaker.execute(boom)).rejects.toThrow();
    expect(seen).toEqual(['success:25', 'failure:0:boom', 'failure:0:boom', 'failure:0:boom', 'rejected:svc']);
  });

  it('rejections are real BrokenCircuitErrors with a message and a one-line stack', async () => {
    const { breaker } = setup();
    await trip(breaker);
    const err = (await breaker.execute(ok).catch((e: unknown) => e)) as BrokenCircuitError;
    expect(err).toBeInstanceOf(Error);
    expect(err).toBeInstanceOf(BrokenCircuitError);
    expect(err).not.toBeInstanceOf(IsolatedCircuitError);
    expect(err).toMatchObject({
      name: 'BrokenCircuitError',
      code: 'BW_CIRCUIT_OPEN',
      breaker: 'svc',
      message: 'circuit "svc" is open',
    });
    expect(err.stack).toBe('BrokenCircuitError: circuit "svc" is open');
    expect(String(err)).toBe('BrokenCircuitError: circuit "svc" is open');
    breaker.isolate();
    const iso = (await breaker.execute(ok).catch((e: unknown) => e)) as IsolatedCircuitError;
    expect(iso).toBeInstanceOf(BrokenCircuitError);
    expect(iso).toMatchObject({
      name: 'IsolatedCircuitError',
      code: 'BW_CIRCUIT_ISOLATED',
      message: 'circuit "svc" is isolated',
      retryAfterMs: undefined,
    });
  });

  it('accepts non-native thenables', async () => {
    const { breaker } = setup();
    const thenable = { then: (res: (v: number) => void) => res(5) };
    await expect(breaker.execute(() => thenable as PromiseLike<number>)).resolves.toBe(5);
    const failing = { then: (_res: unknown, rej: (e: unknown) => void) => rej(new Error('t')) };
    for (let i = 0; i < 3; i++)
      await expect(breaker.execute(() => failing as PromiseLike<number>)).rejects.toThrow('t');
    expect(breaker.state).toBe('open');
  });

  it('synchronous throws and plain values are handled', async () => {
    const { breaker } = setup();
    await expect(
      breaker.execute(() => {
        throw new Error('sync');
      }),
    ).rejects.toThrow('sync');
    await expect(breaker.execute(() => 7)).resolves.toBe(7);
  });

  it('isolate() rejects with IsolatedCircuitError until released; release leaves it closed and empty', async () => {
    const { breaker, changes } = setup();
    await trip(breaker, 2);
    const handle = breaker.isolate();
    expect(breaker.state).toBe('isolated');
    const err = await breaker.execute(ok).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IsolatedCircuitError);
    expect((err as IsolatedCircuitError).code).toBe('BW_CIRCUIT_ISOLATED');
    handle.release();
    expect(breaker.state).toBe('closed');
    await trip(breaker, 2); // window was cleared: 2 more failures do not trip
    expect(breaker.state).toBe('closed');
    handle.release(); // idempotent
    expect(changes.map((c) => `${c.to}:${c.reason}`)).toEqual(['isolated:isolated', 'closed:released']);
  });

  it('reset() forces closed with an empty window', async () => {
    const { breaker } = setup();
    await trip(breaker);
    breaker.reset();
    expect(breaker.state).toBe('closed');
    await trip(breaker, 2);
    expect(breaker.state).toBe('closed');
    const handle = breaker.isolate();
    breaker.reset();
    expect(breaker.state).toBe('closed');
    handle.release(); // superseded by reset
    expect(breaker.state).toBe('closed');
  });

  it('ignores late outcomes from calls started before a transition', async () => {
    const { breaker, clock } = setup();
    const slow = deferred<string>();
    const pending = breaker.execute(() => slow.promise);
    await trip(breaker);
    clock.advance(1_000);
    await breaker.execute(ok); // closes
    slow.reject(new Error('late'));
    await expect(pending).rejects.toThrow('late');
    await trip(breaker, 2);
    expect(breaker.state).toBe('closed'); // the late failure did not count toward the new window
    await flush();
  });

  it('dispose() drops listeners and timers', async () => {
    const { breaker, clock, changes } = setup({ halfOpen: { probeTimeoutMs: 5_000 } });
    await trip(breaker);
    clock.advance(1_000);
    const hung = breaker.execute(() => new Promise<never>(() => {}));
    expect(clock.pendingTimers()).toBe(1);
    breaker.dispose();
    expect(clock.pendingTimers()).toBe(0);
    breaker.reset();
    expect(changes).toHaveLength(2);
    void hung;
  });
});
