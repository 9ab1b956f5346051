import { describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.js';
import { BulkheadRejectedError, ConfigError, RateLimitedError, TimeoutError } from '../errors.js';
import { bulkhead } from '../bulkhead/bulkhead.js';
import { hedge } from '../hedge/hedge.js';
import { pipeline } from '../pipeline.js';
import { retry } from '../retry/retry.js';
import { constantBackoff } from '../retry/backoff.js';
import { timeout } from '../timeout/timeout.js';
import { deferred } from '../test-support/breaker.js';
import { KneeUpstream, drive, settle } from '../test-support/upstream.js';
import { adaptiveConcurrency, type AdaptiveRejectedEvent, type LimitChangeEvent } from './index.js';

const p99 = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.99)]!;

describe('adaptiveConcurrency: admission', () => {
  it('rejects beyond the limit with BulkheadRejectedError (BW_BULKHEAD_FULL, reason "adaptive limit")', async () => {
    const lim = adaptiveConcurrency({ initialLimit: 2, clock: new ManualClock() });
    const gates = [deferred(), deferred()];
    const running = gates.map((g) => lim.execute(() => g.promise));
    expect([lim.limit, lim.inFlight]).toEqual([2, 2]);
    const rejections: AdaptiveRejectedEvent[] = [];
    lim.on('rejected', (e) => rejections.push(e));
    const context = { requestId: 'r1' };
    const err = await lim.execute(() => 'x', { context }).catch((e: unknown) => e);
    expect(rejections).toEqual([{ limit: 2, inFlight: 2, queued: 0, at: 0 }]);
    expect(rejections[0]!.context).toBe(context); // non-enumerable: logging the event never dumps it
    expect(err).toBeInstanceOf(BulkheadRejectedError);
    expect(err).toMatchObject({ code: 'BW_BULKHEAD_FULL', reason: 'adaptive limit', maxConcurrent: 2, maxQueue: 0 });
    for (const g of gates) g.resolve(undefined);
    await Promise.all(running);
    expect(lim.inFlight).toBe(0);
    // The plain bulkhead's rejection keeps its shape, with its own reason.
    const b = bulkhead({ maxConcurrent: 1 });
    const held = deferred();
    const first = b.execute(() => held.promise);
    await expect(b.execute(() => 1)).rejects.toMatchObject({
      code: 'BW_BULKHEAD_FULL',
      reason: 'bulkhead full',
      message: 'bulkhead full: 1 running and 0 queued',
    });
    held.resolve(undefined);
    await first;
  });

  it('queues up to maxQueue in arrival order; a queued caller that aborts never starts', async () => {
    const lim = adaptiveConcurrency({ initialLimit: 1, maxQueue: 2, clock: new ManualClock() });
    const gate = deferred();
    const started: string[] = [];
    const first = lim.execute(() => {
      started.push('a');
      return gate.promise;
    });
    const ac = new AbortController();
    const queuedAborted = lim.execute(
      () => {
        started.push('b');
      },
      { signal: ac.signal },
    );
    const queued = lim.execute(() => {
      started.push('c');
      return 'c';
    });
    await expect(lim.execute(() => 'd')).rejects.toBeInstanceOf(BulkheadRejectedError);
    expect(lim.queued).toBe(2);
    ac.abort(new Error('gave up'));
    await expect(queuedAborted).rejects.toThrow('gave up');
    expect(lim.queued).toBe(1);
    gate.resolve(undefined);
    await first;
    await expect(queued).resolves.toBe('c');
    expect(started).toEqual(['a', 'c']);
    expect([lim.inFlight, lim.queued]).toEqual([0, 0]);
  });

  it('never starts a queued hedge attempt once another attempt won (as bulkhead, issue 12.7)', async () => {
    const clock = new ManualClock();
    const lim = adaptiveConcurrency({ initialLimit: 1, maxQueue: 1, clock });
    const gate = deferred();
    const started: number[] = [];
    const call = pipeline(hedge({ delayMs: 10, clock }), lim).execute((ctx) => {
      started.push(ctx.attempt);
      return gate.promise.then(() => `attempt ${ctx.attempt}`);
    });
    clock.advance(10);
    expect([lim.inFlight, lim.queued]).toEqual([1, 1]);
    gate.resolve(undefined);
    await expect(call).resolves.toBe('attempt 0');
    await new Promise((r) => setImmediate(r));
    await settle();
    expect(started).toEqual([0]);
    expect([lim.inFlight, lim.queued]).toEqual([0, 0]);
  });

  it('never throws synchronously: a throwing fn is a rejection and frees its slot', async () => {
    const lim = adaptiveConcurrency({ initialLimit: 1, clock: new ManualClock() });
    await expect(
      lim.execute(() => {
        throw new Error('sync');
      }),
    ).rejects.toThrow('sync');
    expect(lim.inFlight).toBe(0);
    await expect(lim.execute(() => 'ok')).resolves.toBe('ok');
  });
});

describe('adaptiveConcurrency: the limit follows latency (ManualClock, simulated upstream with a capacity knee)', () => {
  for (const algorithm of ['gradient2', 'vegas'] as const) {
    it(`${algorithm}: finds the knee, keeps latency near the no-load latency, re-converges after capacity drops from 50 to 20`, async () => {
      const clock = new ManualClock(0);
      const upstream = new KneeUpstream(clock, 50, 10);
      const lim = adaptiveConcurrency({ algorithm, clock });
      const before = await drive(clock, lim, upstream, 8, 3000); // 8000/s offered, 5000/s capacity
      expect(lim.limit).toBeGreaterThanOrEqual(50);
      expect(lim.limit).toBeLessThanOrEqual(100);
      expect(p99(before.latencies.slice(-5000))).toBeLessThanOrEqual(20);
      upstream.capacity = 20;
      await drive(clock, lim, upstream, 8, 1000);
      const after = await drive(clock, lim, upstream, 8, 2000);
      expect(lim.limit).toBeGreaterThanOrEqual(20);
      expect(lim.limit).toBeLessThanOrEqual(40);
      expect(after.ok).toBeGreaterThanOrEqual(0.9 * 2 * 2000); // ≥ 90 % of 2000/s
      expect(p99(after.latencies)).toBeLessThanOrEqual(20);
      expect(lim.baselineRttMs).toBe(10);
    });
  }

  it('emits limitChange (typed, with an unsubscribe) on every change of the whole limit', async () => {
    const clock = new ManualClock(0);
    const upstream = new KneeUpstream(clock, 50, 10);
    const lim = adaptiveConcurrency({ clock });
    const seen: LimitChangeEvent[] = [];
    const off = lim.on('limitChange', (e) => seen.push(e));
    await drive(clock, lim, upstream, 8, 300);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen[0]).toMatchObject({ from: 20, reason: 'latency', baselineRttMs: 10 });
    for (let i = 1; i < seen.length; i++) expect(seen[i]!.from).toBe(seen[i - 1]!.to);
    expect(seen.at(-1)!.to).toBe(lim.limit);
    off();
    const count = seen.length;
    await drive(clock, lim, upstream, 8, 300);
    expect(seen.length).toBe(count);
  });

  it('re-measures the no-load latency every baselineIntervalMs at half the limit (a standing queue cannot inflate it)', async () => {
    const clock = new ManualClock(0);
    const upstream = new KneeUpstream(clock, 50, 10);
    const lim = adaptiveConcurrency({ clock, baselineIntervalMs: 2000 });
    const reasons: string[] = [];
    lim.on('limitChange', (e) => {
      if (e.reason.startsWith('probe')) reasons.push(`${e.reason}:${e.from}->${e.to}`);
    });
    await drive(clock, lim, upstream, 8, 2500);
    expect(reasons).toHaveLength(2);
    const [start, end] = reasons.map((r) => r.split(':')[1]!.split('->').map(Number)) as [number[], number[]];
    expect(start[1]).toBe(Math.floor(start[0]! / 2));
    expect(end[0]).toBe(start[1]);
    expect(lim.baselineRttMs).toBe(10);
  });

  it('rebases when the upstream got slower at any load (limit stuck at its minimum)', async () => {
    const clock = new ManualClock(0);
    const fast = new KneeUpstream(clock, 50, 10);
    const lim = adaptiveConcurrency({ clock, minLimit: 5 });
    await drive(clock, lim, fast, 8, 1000);
    const slow = new KneeUpstream(clock, 1000, 40); // 4× slower, no knee
    await drive(clock, lim, slow, 8, 6000);
    expect(lim.baselineRttMs).toBe(40);
    expect(lim.limit).toBeGreaterThan(30); // growing again from the minimum
  });
});

describe('adaptiveConcurrency: outcomes', () => {
  it('aimd: errors and timeouts are drops (multiplicative decrease); successes add one', async () => {
    const clock = new ManualClock(0);
    const lim = adaptiveConcurrency({ algorithm: 'aimd', initialLimit: 10, minWindowSamples: 1, clock });
    await expect(lim.execute(() => Promise.reject(new Error('503')))).rejects.toThrow('503');
    expect(lim.limit).toBe(9);
    const viaTimeout = pipeline(timeout(50, { clock }), lim);
    const hung = viaTimeout.execute(
      ({ signal }) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason))),
    );
    clock.advance(50);
    await expect(hung).rejects.toBeInstanceOf(TimeoutError);
    await settle();
    expect(lim.limit).toBe(8); // floor(9 × 0.9 = 8.1)
    const gates = Array.from({ length: 5 }, () => deferred());
    const calls = gates.map((g) => lim.execute(() => g.promise));
    gates[0]!.resolve(undefined);
    await calls[0];
    await settle();
    expect(lim.limit).toBe(9); // 8.1 + 1: 5 in flight ≥ half the limit
    for (const g of gates) g.resolve(undefined);
    await Promise.all(calls);
  });

  it('aimd: dropLatencyMs makes slow successes drops', async () => {
    const clock = new ManualClock(0);
    const lim = adaptiveConcurrency({
      algorithm: 'aimd',
      initialLimit: 10,
      minWindowSamples: 1,
      dropLatencyMs: 100,
      clock,
    });
    const slow = lim.execute(() => new Promise<void>((r) => clock.setTimeout(r, 150)));
    clock.advance(150);
    await slow;
    await settle();
    expect(lim.limit).toBe(9);
  });

  it('a call cancelled by its caller feeds no sample, whether it then rejects or resolves', async () => {
    const clock = new ManualClock(0);
    const lim = adaptiveConcurrency({ algorithm: 'aimd', initialLimit: 2, minWindowSamples: 1, clock });
    const changes: LimitChangeEvent[] = [];
    lim.on('limitChange', (e) => changes.push(e));
    const ac1 = new AbortController();
    const rejecting = lim.execute(
      ({ signal }) =>
        new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted fetch')))),
      {
        signal: ac1.signal,
      },
    );
    const ac2 = new AbortController();
    const late = deferred();
    const resolving = lim.execute(() => late.promise, { signal: ac2.signal });
    ac1.abort();
    ac2.abort();
    await expect(rejecting).rejects.toThrow();
    await expect(resolving).rejects.toThrow();
    late.resolve(undefined);
    await settle();
    expect(lim.inFlight).toBe(0);
    expect(changes).toEqual([]); // neither a drop (9 → …) nor a success (2 → 3)
    expect(lim.limit).toBe(2);
  });

  it('an inner Breakwater rejection is ignored; isDrop can declare an error a plain sample', async () => {
    const clock = new ManualClock(0);
    const lim = adaptiveConcurrency({
      algorithm: 'aimd',
      initialLimit: 4,
      minWindowSamples: 1,
      clock,
      isDrop: (e) => !(e instanceof Error && e.message === '404'),
    });
    // Calls take ManualClock time: a window lasts twice the previous window's latency as well.
    const after = (ms: number, e: Error): Promise<never> =>
      new Promise((_, reject) => {
        clock.setTimeout(() => reject(e), ms);
        clock.advance(ms);
      });
    await expect(lim.execute(() => after(1, new RateLimitedError(10)))).rejects.toBeInstanceOf(RateLimitedError);
    expect(lim.limit).toBe(4);
    await expect(lim.execute(() => after(1, new Error('404')))).rejects.toThrow('404');
    expect(lim.limit).toBe(4); // a sample, but 1 in flight < half of 4: no growth either
    await expect(lim.execute(() => after(2, new Error('500')))).rejects.toThrow('500');
    expect(lim.limit).toBe(3);
  });

  it('composes in pipeline(): retry → adaptive limit → timeout', async () => {
    const clock = new ManualClock(0);
    const lim = adaptiveConcurrency({ clock });
    const policy = pipeline(
      retry({ maxAttempts: 3, backoff: constantBackoff(0), clock }),
      lim,
      timeout(1000, { clock }),
    );
    let n = 0;
    await expect(policy.execute(() => (++n < 3 ? Promise.reject(new Error('flaky')) : 'ok'))).resolves.toBe('ok');
    expect(n).toBe(3);
    expect(lim.inFlight).toBe(0);
  });
});

describe('adaptiveConcurrency: options', () => {
  it('validates with ConfigError naming the field', () => {
    expect(() => adaptiveConcurrency({ algorithm: 'bbr' as never })).toThrow(
      "adaptiveConcurrency.algorithm: expected one of 'gradient2', 'vegas', 'aimd', got \"bbr\"",
    );
    expect(() => adaptiveConcurrency({ initalLimit: 5 } as never)).toThrow(
      /adaptiveConcurrency\.initalLimit: unknown option "initalLimit"; did you mean "initialLimit"\?/,
    );
    expect(() => adaptiveConcurrency({ maxConcurrency: 5 } as never)).toThrow(/did you mean "maxLimit"/);
    expect(() => adaptiveConcurrency({ minLimit: 10, maxLimit: 5 })).toThrow(
      'adaptiveConcurrency.maxLimit: expected an integer ≥ minLimit (10), got 5',
    );
    expect(() => adaptiveConcurrency({ minLimit: 10, initialLimit: 5 })).toThrow(
      'adaptiveConcurrency.initialLimit: expected an integer ≥ 10, got 5',
    );
    expect(() => adaptiveConcurrency({ maxLimit: 2 ** 40 })).toThrow(/maxLimit: expected an integer from 1 to 1000000/);
    expect(() => adaptiveConcurrency({ algorithm: 'aimd', tolerance: 2 })).toThrow(
      "adaptiveConcurrency.tolerance: applies only to algorithm 'gradient2', not 'aimd'",
    );
    expect(() => adaptiveConcurrency({ algorithm: 'aimd', backoffRatio: 1 })).toThrow(
      'adaptiveConcurrency.backoffRatio: expected a number ≥ 0.5 and < 1, got 1',
    );
    expect(() => adaptiveConcurrency({ smoothing: 0 })).toThrow(ConfigError);
    expect(() => adaptiveConcurrency({ clock: {} as never })).toThrow(/adaptiveConcurrency\.clock/);
    expect(() => adaptiveConcurrency(null as never)).toThrow(ConfigError);
    expect(adaptiveConcurrency({ minLimit: 30 }).limit).toBe(30); // default initial limit clamped into range
    expect(adaptiveConcurrency().limit).toBe(20);
  });
});
