import { afterEach, describe, expect, it, vi } from 'vitest';
import { ManualClock, circuitBreaker, consecutiveFailures, systemClock } from '@breakwater/core';

describe('ManualClock', () => {
  it('fires due timers in order, each at its due time', () => {
    const clock = new ManualClock(1000);
    const seen: Array<[string, number]> = [];
    clock.setTimeout(() => seen.push(['b', clock.now()]), 20);
    clock.setTimeout(() => seen.push(['a', clock.now()]), 10);
    const h = clock.setTimeout(() => seen.push(['x', clock.now()]), 15);
    clock.clearTimeout(h);
    clock.advance(15);
    expect(seen).toEqual([['a', 1010]]);
    clock.advance(100);
    expect(seen).toEqual([
      ['a', 1010],
      ['b', 1020],
    ]);
    expect(clock.now()).toBe(1115);
    expect(clock.pendingTimers()).toBe(0);
  });
  it('runs timers scheduled by timers within the same advance', () => {
    const clock = new ManualClock();
    const seen: number[] = [];
    clock.setTimeout(() => {
      seen.push(clock.now());
      clock.setTimeout(() => seen.push(clock.now()), 5);
    }, 5);
    clock.advance(10);
    expect(seen).toEqual([5, 10]);
  });
});

describe('systemClock: delays beyond 2^31−1 ms (issue 12.2)', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('re-arms long timers in chunks: 3e9 ms fires at 3e9 ms, not after ~1 ms (fake timers emulate the overflow)', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    let fired = 0;
    systemClock.setTimeout(() => {
      fired++;
    }, 3e9);
    vi.advanceTimersByTime(1000);
    expect(fired).toBe(0);
    vi.advanceTimersByTime(2 ** 31);
    expect(fired).toBe(0);
    vi.advanceTimersByTime(3e9 - 2 ** 31 - 1000 - 1);
    expect(fired).toBe(0);
    vi.advanceTimersByTime(1);
    expect(fired).toBe(1);
    vi.advanceTimersByTime(1e10);
    expect(fired).toBe(1);
  });

  it('clearTimeout stops a long timer in any chunk; Infinity never fires', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    let fired = 0;
    const h = systemClock.setTimeout(() => {
      fired++;
    }, 5e9);
    const never = systemClock.setTimeout(() => {
      fired++;
    }, Infinity);
    vi.advanceTimersByTime(2 ** 31 + 10);
    systemClock.clearTimeout(h);
    vi.advanceTimersByTime(1e11);
    expect(fired).toBe(0);
    systemClock.clearTimeout(never);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("long timers can be unref'd like Node timers (the timeout tick queue relies on it)", () => {
    const h = systemClock.setTimeout(() => {}, 2 ** 32) as { unref(): unknown; ref(): unknown; hasRef(): boolean };
    h.unref();
    expect(h.hasRef()).toBe(false);
    h.ref();
    expect(h.hasRef()).toBe(true);
    systemClock.clearTimeout(h);
  });

  it('a half-open probe with probeTimeoutMs of 26 days does not re-arm its timer every few ms nor time out early', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const breaker = circuitBreaker({
      name: 'probe-26d',
      trip: consecutiveFailures(1),
      halfOpenAfterMs: 10,
      halfOpen: { probeTimeoutMs: 26 * 86_400_000 },
    });
    const changes: string[] = [];
    const off = breaker.on('stateChange', (e) => changes.push(`${e.from}->${e.to}`));
    await breaker
      .execute(() => {
        throw new Error('x');
      })
      .catch(() => undefined);
    await vi.advanceTimersByTimeAsync(10);
    let finishProbe: () => void = () => {};
    const probe = breaker.execute(
      () =>
        new Promise<void>((r) => {
          finishProbe = r;
        }),
    );
    const spy = vi.spyOn(globalThis, 'setTimeout');
    await vi.advanceTimersByTimeAsync(5_000);
    expect(spy.mock.calls.length).toBeLessThanOrEqual(1);
    expect(changes).toEqual(['closed->open', 'open->half-open']);
    spy.mockRestore();
    finishProbe();
    await probe;
    expect(breaker.state).toBe('closed');
    off();
  });

  it('emits no TimeoutOverflowWarning and does not fire early on the real clock', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error): void => {
      warnings.push(w.name);
    };
    process.on('warning', onWarning);
    try {
      let fired = false;
      const h = systemClock.setTimeout(() => {
        fired = true;
      }, 2 ** 31);
      const breaker = circuitBreaker({
        name: 'long-open',
        trip: consecutiveFailures(1),
        halfOpenAfterMs: 26 * 86_400_000,
        halfOpen: { probeTimeoutMs: 30 * 86_400_000 },
      });
      await breaker
        .execute(() => {
          throw new Error('x');
        })
        .catch(() => undefined);
      expect(breaker.state).toBe('open');
      await new Promise((r) => setTimeout(r, 30));
      systemClock.clearTimeout(h);
      breaker.reset();
      expect(fired).toBe(false);
      expect(breaker.state).toBe('closed');
      await new Promise((r) => setImmediate(r));
      expect(warnings.filter((n) => n === 'TimeoutOverflowWarning')).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });
});
