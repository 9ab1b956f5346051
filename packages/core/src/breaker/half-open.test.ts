import { getEventListeners } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { ManualClock, type Clock } from '../clock.js';
import { BrokenCircuitError, RateLimitedError } from '../errors.js';
import { circuitBreaker } from './circuit-breaker.js';
import { consecutiveFailures } from './trip/consecutive-failures.js';
import type { StateChangeEvent } from './types.js';
import { boom, deferred, flush, ok } from '../test-support/breaker.js';

function opened(clock: Clock, extra: Partial<Parameters<typeof circuitBreaker>[0]> = {}) {
  const breaker = circuitBreaker({
    name: 'svc',
    trip: consecutiveFailures(1),
    halfOpenAfterMs: 1_000,
    clock,
    ...extra,
  });
  const changes: StateChangeEvent[] = [];
  breaker.on('stateChange', (e) => changes.push(e));
  return { breaker, changes, trip: () => breaker.execute(boom).catch(() => undefined) };
}

const hang = (): Promise<never> => new Promise<never>(() => {});

describe('half-open probes', () => {
  it('a hung probe past probeTimeoutMs fails the round (one timer, cleared on transition)', async () => {
    const clock = new ManualClock();
    const { breaker, changes, trip } = opened(clock, { halfOpen: { probeTimeoutMs: 300 } });
    await trip();
    clock.advance(1_000);
    void breaker.execute(hang);
    expect(breaker.state).toBe('half-open');
    expect(clock.pendingTimers()).toBe(1);
    await expect(breaker.execute(ok)).rejects.toBeInstanceOf(BrokenCircuitError); // the slot is taken
    clock.advance(299);
    expect(breaker.state).toBe('half-open');
    clock.advance(1);
    expect(breaker.state).toBe('open');
    expect(changes.at(-1)).toMatchObject({ from: 'half-open', to: 'open', reason: 'probe timed out' });
    expect(clock.pendingTimers()).toBe(0);
    clock.advance(1_000);
    await expect(breaker.execute(ok)).resolves.toBe('ok'); // a new probe gets through
    expect(breaker.state).toBe('closed');
  });

  it('expired leases are also detected lazily on admission (clock without working timers)', async () => {
    let now = 0;
    const clock: Clock = { now: () => now, setTimeout: () => 0, clearTimeout: () => {} };
    const { breaker, changes, trip } = opened(clock, { halfOpen: { probeTimeoutMs: 300 } });
    await trip();
    now = 1_000;
    void breaker.execute(hang);
    now = 1_300;
    await expect(breaker.execute(ok)).rejects.toBeInstanceOf(BrokenCircuitError);
    expect(breaker.state).toBe('open');
    expect(changes.at(-1)).toMatchObject({ reason: 'probe timed out' });
    now = 2_300;
    await expect(breaker.execute(ok)).resolves.toBe('ok');
  });

  it('a probe that settles after its lease expired is ignored', async () => {
    const clock = new ManualClock();
    const { breaker, trip } = opened(clock, { halfOpen: { probeTimeoutMs: 100 } });
    await trip();
    clock.advance(1_000);
    const late = deferred<string>();
    const p = breaker.execute(() => late.promise);
    clock.advance(100);
    expect(breaker.state).toBe('open');
    late.resolve('late');
    await expect(p).resolves.toBe('late');
    expect(breaker.state).toBe('open'); // a stale success does not close the breaker
  });

  it('defaults probeTimeoutMs to max(halfOpenAfterMs, 1000)', async () => {
    const clock = new ManualClock();
    const { breaker, trip } = opened(clock, { halfOpenAfterMs: 5_000 });
    expect(breaker.probeTimeoutMs).toBe(5_000);
    expect(opened(clock, { halfOpenAfterMs: 10 }).breaker.probeTimeoutMs).toBe(1_000);
    await trip();
    clock.advance(5_000);
    void breaker.execute(hang);
    clock.advance(4_999);
    expect(breaker.state).toBe('half-open');
    clock.advance(1);
    expect(breaker.state).toBe('open');
  });

  it('a probe whose caller aborts counts as failed and frees the slot', async () => {
    const clock = new ManualClock();
    const { breaker, changes, trip } = opened(clock);
    await trip();
    clock.advance(1_000);
    const ac = new AbortController();
    const p = breaker.execute(hang, { signal: ac.signal });
    expect(breaker.state).toBe('half-open');
    ac.abort(new Error('caller gave up'));
    await expect(p).rejects.toThrow('caller gave up');
    expect(breaker.state).toBe('open');
    expect(changes.at(-1)).toMatchObject({ reason: 'probe abandoned' });
    expect(clock.pendingTimers()).toBe(0);
  });

  it('a probe admitted with an already aborted context is resolved at once', async () => {
    const clock = new ManualClock();
    const { breaker, trip } = opened(clock);
    await trip();
    clock.advance(1_000);
    const ac = new AbortController();
    ac.abort(new Error('already'));
    await expect(breaker.execute(ok, { signal: ac.signal })).rejects.toThrow('already');
    // executeWith rejected before the breaker ran: no probe slot was taken, so it is not stuck
    expect(breaker.wouldAdmit()).toBe(true);
    expect(breaker.state).toBe('half-open');
    expect(breaker.metrics().inFlight).toBe(0);
  });

  it('an inner rejection during a probe neither closes nor re-opens; it frees the slot', async () => {
    const clock = new ManualClock();
    const { breaker, trip } = opened(clock);
    await trip();
    clock.advance(1_000);
    await expect(
      breaker.execute(() => {
        throw new RateLimitedError(5);
      }),
    ).rejects.toBeInstanceOf(RateLimitedError);
    expect(breaker.state).toBe('half-open');
    await expect(breaker.execute(ok)).resolves.toBe('ok');
    expect(breaker.state).toBe('closed');
  });

  it('an error isFailure ignores still resolves the probe (as a success)', async () => {
    const clock = new ManualClock();
    const { breaker, trip } = opened(clock, { isFailure: (e) => (e as Error).message !== '404' });
    await trip();
    clock.advance(1_000);
    await expect(
      breaker.execute(() => {
        throw new Error('404');
      }),
    ).rejects.toThrow('404');
    expect(breaker.state).toBe('closed');
  });

  it('stragglers from the closed period do not count as probes', async () => {
    const clock = new ManualClock();
    const { breaker, trip } = opened(clock);
    const straggler = deferred<string>();
    const p = breaker.execute(() => straggler.promise);
    await trip();
    clock.advance(1_000);
    const probe = deferred<string>();
    const q = breaker.execute(() => probe.promise);
    straggler.reject(new Error('old'));
    await expect(p).rejects.toThrow('old');
    expect(breaker.state).toBe('half-open');
    probe.resolve('fine');
    await q;
    expect(breaker.state).toBe('closed');
  });
});

describe('shadow mode', () => {
  async function script(mode: 'enforce' | 'shadow') {
    const clock = new ManualClock();
    const breaker = circuitBreaker({ name: 's', mode, trip: consecutiveFailures(2), halfOpenAfterMs: 100, clock });
    const changes: string[] = [];
    breaker.on('stateChange', (e) => changes.push(`${e.from}>${e.to}:${e.reason}`));
    const calls = vi.fn();
    const run = (fail: boolean) =>
      breaker
        .execute(() => {
          calls();
          if (fail) throw new Error('x');
          return 1;
        })
        .then(
          () => 'ok',
          (e: unknown) => (e instanceof BrokenCircuitError ? 'rejected' : 'error'),
        );
    const results = [await run(true), await run(true), await run(false), await run(true)];
    clock.advance(100);
    results.push(await run(true), await run(false));
    clock.advance(100);
    results.push(await run(false), await run(true));
    return { results, changes, calls: calls.mock.calls.length, metrics: breaker.metrics() };
  }

  it('never rejects but reports the same transitions as enforce', async () => {
    const enforce = await script('enforce');
    const shadow = await script('shadow');
    expect(enforce.results).toEqual(['error', 'error', 'rejected', 'rejected', 'error', 'rejected', 'ok', 'error']);
    expect(shadow.results).toEqual(['error', 'error', 'ok', 'error', 'error', 'ok', 'ok', 'error']);
    expect(shadow.changes).toEqual(enforce.changes);
    expect(shadow.calls).toBe(8);
    expect(enforce.metrics.rejected).toBe(3);
    expect(shadow.metrics).toMatchObject({ rejected: 0, shadowRejected: 3, requests: 8 });
    expect(shadow.metrics.requests).toBe(shadow.metrics.successes + shadow.metrics.failures + shadow.metrics.rejected);
  });

  it('lets calls through an isolated breaker and flags the would-be rejection', async () => {
    const breaker = circuitBreaker({ name: 's', mode: 'shadow' });
    const rejected: unknown[] = [];
    breaker.on('rejected', (e) => rejected.push(e));
    breaker.isolate();
    await expect(breaker.execute(ok)).resolves.toBe('ok');
    expect(rejected).toEqual([{ name: 's', shadow: true }]);
    expect(breaker.metrics()).toMatchObject({ state: 'isolated', shadowRejected: 1 });
  });
});

describe('slowCall', () => {
  it('slow successes count toward tripping and in metrics', async () => {
    const clock = new ManualClock();
    const breaker = circuitBreaker({
      name: 'slow',
      clock,
      trip: consecutiveFailures(4),
      slowCall: { thresholdMs: 100, rateThreshold: 0.5 },
    });
    const call = async (ms: number) => {
      const d = deferred<string>();
      const p = breaker.execute(() => d.promise);
      clock.advance(ms);
      d.resolve('x');
      await p;
    };
    await call(100); // not slower than the threshold
    await call(150);
    await call(10);
    expect(breaker.metrics().slowCalls).toBe(1);
    expect(breaker.state).toBe('closed');
    await call(101);
    expect(breaker.state).toBe('open');
    await flush();
  });
});

describe('half-open probes on a shared caller signal', () => {
  it('12 concurrent probes on one long-lived signal hold one abort listener and leave none', async () => {
    const clock = new ManualClock();
    const breaker = circuitBreaker({
      name: 'many-probes',
      trip: consecutiveFailures(1),
      halfOpenAfterMs: 1_000,
      halfOpen: { maxProbes: 12, successesToClose: 12 },
      clock,
    });
    await breaker.execute(() => Promise.reject(new Error('down'))).catch(() => undefined);
    clock.advance(1_000);
    const ac = new AbortController();
    const releases: Array<() => void> = [];
    const calls = Array.from({ length: 12 }, () =>
      breaker.execute(() => new Promise<string>((resolve) => releases.push(() => resolve('ok'))), {
        signal: ac.signal,
      }),
    );
    expect(getEventListeners(ac.signal, 'abort').length).toBeLessThanOrEqual(1);
    for (const r of releases) r();
    await Promise.all(calls);
    expect(getEventListeners(ac.signal, 'abort').length).toBe(0);
    expect(breaker.state).toBe('closed');
  });
});
