import { describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.js';
import { TimeoutError } from '../errors.js';
import { hedge } from '../hedge/hedge.js';
import { pipeline } from '../pipeline.js';
import type { AttemptContext } from '../policy.js';
import { timeout } from '../timeout/timeout.js';
import { flush } from '../test-support/breaker.js';
import { circuitBreaker } from './circuit-breaker.js';
import { consecutiveFailures } from './trip/consecutive-failures.js';
import type { CircuitBreakerMetrics, StateChangeEvent } from './types.js';

/** Works until its attempt is aborted, then rejects the way fetch does (with the signal's reason). */
const untilAborted = ({ signal }: AttemptContext): Promise<never> =>
  new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));
/** Same, but rejects with a plain AbortError (a library that ignores the reason). */
const untilAbortedPlain = ({ signal }: AttemptContext): Promise<never> =>
  new Promise<never>((_, reject) =>
    signal.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')), { once: true }),
  );

function setup(extra: Partial<Parameters<typeof circuitBreaker>[0]> = {}) {
  const clock = new ManualClock();
  const breaker = circuitBreaker({
    name: 'svc',
    trip: consecutiveFailures(1),
    halfOpenAfterMs: 1_000,
    clock,
    ...extra,
  });
  const changes: StateChangeEvent[] = [];
  const events: string[] = [];
  breaker.on('stateChange', (e) => changes.push(e));
  breaker.on('success', () => events.push('success'));
  breaker.on('failure', () => events.push('failure'));
  return { clock, breaker, changes, events };
}

function identity(m: CircuitBreakerMetrics): void {
  expect(m.requests).toBe(m.successes + m.failures + m.rejected);
}

describe('cancelled attempts are neutral for the breaker', () => {
  it('closed: the losing hedge attempt counts nowhere (not a failure, not in the window, not in requests)', async () => {
    const { clock, breaker, events } = setup();
    const policy = pipeline(hedge({ delayMs: 10, clock }), breaker);
    const p = policy.execute((ctx) => (ctx.attempt === 0 ? untilAborted(ctx) : 'fast'));
    clock.advance(10);
    await expect(p).resolves.toBe('fast');
    await flush();
    expect(breaker.state).toBe('closed'); // consecutiveFailures(1) would have opened on a counted abort
    const m = breaker.metrics();
    expect(m).toMatchObject({ requests: 1, successes: 1, failures: 0, timeouts: 0, cancelled: 1, inFlight: 0 });
    identity(m);
    expect(events).toEqual(['success']);
  });

  it('closed: a caller abort is neutral, even when the function then throws something else', async () => {
    const { breaker } = setup();
    const ac = new AbortController();
    const p = breaker.execute(
      ({ signal }) =>
        new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('socket closed')))),
      {
        signal: ac.signal,
      },
    );
    ac.abort(new Error('client left'));
    await expect(p).rejects.toThrow('client left');
    await flush();
    expect(breaker.state).toBe('closed');
    expect(breaker.metrics()).toMatchObject({ requests: 0, failures: 0, cancelled: 1, inFlight: 0 });
  });

  it('an aborted attempt that still returns a value is a success', async () => {
    const { breaker } = setup();
    const ac = new AbortController();
    const p = breaker.execute(
      ({ signal }) => new Promise((resolve) => signal.addEventListener('abort', () => resolve('done anyway'))),
      { signal: ac.signal },
    );
    ac.abort();
    await expect(p).rejects.toBeDefined();
    await flush();
    expect(breaker.metrics()).toMatchObject({ requests: 1, successes: 1, cancelled: 0 });
  });

  it('a timeout around the breaker is a failure and a timeout, whatever the function rejects with', async () => {
    for (const fn of [untilAborted, untilAbortedPlain]) {
      const { clock, breaker, changes } = setup();
      const p = pipeline(timeout(100, { clock }), breaker).execute(fn);
      clock.advance(100);
      await expect(p).rejects.toBeInstanceOf(TimeoutError);
      await flush();
      expect(breaker.state).toBe('open');
      expect(changes.at(-1)).toMatchObject({ to: 'open' });
      const m = breaker.metrics();
      expect(m).toMatchObject({ requests: 1, failures: 1, timeouts: 1, cancelled: 0 });
      identity(m);
    }
  });

  it('a timeout inside the breaker is a failure and a timeout', async () => {
    const { clock, breaker } = setup();
    const p = pipeline(breaker, timeout(100, { clock })).execute(untilAborted);
    clock.advance(100);
    await expect(p).rejects.toBeInstanceOf(TimeoutError);
    expect(breaker.state).toBe('open');
    expect(breaker.metrics()).toMatchObject({ failures: 1, timeouts: 1, cancelled: 0 });
  });

  it('an outer timeout aborting a hedged call still fails every attempt it cut', async () => {
    const { clock, breaker } = setup({ trip: consecutiveFailures(2) });
    const p = pipeline(timeout(50, { clock }), hedge({ delayMs: 10, clock }), breaker).execute(untilAborted);
    clock.advance(50);
    await expect(p).rejects.toBeInstanceOf(TimeoutError);
    await flush();
    expect(breaker.metrics()).toMatchObject({ requests: 2, failures: 2, timeouts: 2, cancelled: 0 });
    expect(breaker.state).toBe('open');
  });
});

describe('cancelled half-open probes', () => {
  async function halfOpen(extra: Partial<Parameters<typeof circuitBreaker>[0]> = {}) {
    const s = setup(extra);
    await s.breaker
      .execute(() => {
        throw new Error('boom');
      })
      .catch(() => undefined);
    expect(s.breaker.state).toBe('open');
    s.clock.advance(1_000);
    return s;
  }

  it('a probe that loses its hedge race frees its slot without a verdict: no re-open', async () => {
    const { clock, breaker, changes } = await halfOpen({ halfOpen: { maxProbes: 2, successesToClose: 2 } });
    const policy = pipeline(hedge({ delayMs: 10, clock }), breaker);
    const p = policy.execute((ctx) => (ctx.attempt === 0 ? untilAborted(ctx) : 'fast'));
    expect(breaker.state).toBe('half-open');
    clock.advance(10);
    await expect(p).resolves.toBe('fast');
    await flush();
    expect(breaker.state).toBe('half-open'); // one success of two, the loser said nothing
    expect(changes.map((c) => c.reason)).not.toContain('probe abandoned');
    expect(breaker.wouldAdmit()).toBe(true); // both slots free again
    await expect(breaker.execute(() => 'ok')).resolves.toBe('ok');
    expect(breaker.state).toBe('closed');
    const m = breaker.metrics();
    expect(m).toMatchObject({ successes: 2, failures: 1, cancelled: 1 });
    identity(m);
  });

  it('the loser settling late does not touch the slot the next probe took', async () => {
    const { clock, breaker } = await halfOpen({ halfOpen: { maxProbes: 2, successesToClose: 2 } });
    let rejectLoser!: (e: unknown) => void;
    const ignoresAbort = (): Promise<never> =>
      new Promise<never>((_, reject) => {
        rejectLoser = reject;
      });
    const p = pipeline(hedge({ delayMs: 10, clock }), breaker).execute((ctx) =>
      ctx.attempt === 0 ? ignoresAbort() : 'fast',
    );
    clock.advance(10);
    await expect(p).resolves.toBe('fast'); // probe 1 of 2 succeeded; the loser's slot 0 was freed
    let finishNext!: (v: string) => void;
    const next = breaker.execute(
      () =>
        new Promise<string>((resolve) => {
          finishNext = resolve;
        }),
    ); // takes slot 0
    rejectLoser(new Error('late'));
    await flush();
    expect(breaker.state).toBe('half-open');
    finishNext('ok');
    await expect(next).resolves.toBe('ok');
    expect(breaker.state).toBe('closed'); // the second success counted: its slot was still its own
    expect(breaker.metrics()).toMatchObject({ successes: 2, cancelled: 1 });
  });

  it('a probe abandoned by its caller still re-opens the breaker (documented behaviour)', async () => {
    const { breaker, changes } = await halfOpen();
    const ac = new AbortController();
    const p = breaker.execute(untilAborted, { signal: ac.signal });
    ac.abort(new Error('caller gave up'));
    await expect(p).rejects.toThrow('caller gave up');
    await flush();
    expect(breaker.state).toBe('open');
    expect(changes.at(-1)).toMatchObject({ reason: 'probe abandoned' });
    const m = breaker.metrics();
    expect(m).toMatchObject({ failures: 1, cancelled: 1 }); // the trip's failure only
    identity(m);
  });

  it('a probe cut by a timeout around the breaker re-opens it and counts as a timeout', async () => {
    const { clock, breaker, changes } = await halfOpen();
    const p = pipeline(timeout(100, { clock }), breaker).execute(untilAbortedPlain);
    clock.advance(100);
    await expect(p).rejects.toBeInstanceOf(TimeoutError);
    await flush();
    expect(breaker.state).toBe('open');
    expect(changes.at(-1)).toMatchObject({ reason: 'probe timed out' });
    expect(breaker.metrics()).toMatchObject({ failures: 2, timeouts: 1, cancelled: 0 });
  });
});
