import { describe, expect, it } from 'vitest';
import { circuitBreaker, consecutiveFailures } from '../breaker/index.js';
import type { CircuitBreaker, CircuitBreakerOptions } from '../breaker/types.js';
import { ManualClock } from '../clock.js';
import { hedge } from '../hedge/hedge.js';
import { pipeline } from '../pipeline.js';
import type { AttemptContext } from '../policy.js';
import { flush } from '../test-support/breaker.js';
import { observeStrategy } from '../test-support/observe-strategy.js';
import { loadBalancer } from './load-balancer.js';
import { seededRandom } from './random.js';
import { p2cEwma } from './strategies/p2c-ewma.js';
import type { EjectionEvent, LoadBalancer, RequestEvent } from './types.js';

/** Answers after `ms` of clock time, or rejects with the signal's reason once aborted (as fetch does). */
function after(clock: ManualClock, ms: number, { signal }: AttemptContext, value: string): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const t = clock.setTimeout(() => resolve(value), ms);
    signal.addEventListener(
      'abort',
      () => {
        clock.clearTimeout(t);
        reject(signal.reason);
      },
      { once: true },
    );
  });
}

/** Advances the clock 1 ms at a time until `p` settles (bounded). */
async function settle<T>(clock: ManualClock, p: Promise<T>, maxMs = 2_000): Promise<T> {
  let done = false;
  p.then(
    () => {
      done = true;
    },
    () => {
      done = true;
    },
  );
  for (let i = 0; i < maxMs && !done; i++) {
    clock.advance(1);
    await flush();
  }
  return p;
}

const ewmaOf = (lb: LoadBalancer, id: string): number => lb.endpoints().find((e) => e.id === id)!.ewmaMs;

function setup(ids = ['A', 'B'], maxConnections?: number) {
  const clock = new ManualClock();
  const breakers = new Map<string, CircuitBreaker>();
  const observed = observeStrategy(p2cEwma());
  const lb = loadBalancer({
    endpoints: ids.map((id) => ({
      id,
      url: `http://${id}`,
      ...(maxConnections === undefined ? {} : { maxConnections }),
    })),
    strategy: observed.strategy,
    clock,
    random: seededRandom(7),
    outlierDetection: { consecutiveFailures: 1 },
    breaker: { trip: consecutiveFailures(1) },
    createBreaker: (o: CircuitBreakerOptions) => {
      const b = circuitBreaker(o);
      breakers.set(o.name.split('/')[1]!, b);
      return b;
    },
  });
  const requests: RequestEvent[] = [];
  const ejections: EjectionEvent[] = [];
  lb.on('request', (e) => requests.push(e));
  lb.on('ejection', (e) => ejections.push(e));
  return { clock, lb, breakers, requests, ejections, live: observed.live };
}

describe('a cancelled attempt is a censored latency sample (a lower bound)', () => {
  it('p2cEwma stops sending first attempts to an endpoint that always loses its hedge race', async () => {
    // maxConnections 1 sends every hedge to the other endpoint: A, while it holds the first attempt,
    // is skipped, so it never finishes a call — it only ever loses. Without the censored sample its
    // estimate stays at 0 and it gets every first attempt; with it, A looks as slow as it proved to be.
    const { clock, lb, breakers, requests, ejections, live } = setup(['A', 'B'], 1);
    const policy = pipeline(hedge({ delayMs: 50, clock }), lb.asPolicy());
    const first: string[] = [];
    for (let call = 0; call < 40; call++) {
      const p = policy.execute((ctx) => {
        const id = ctx.endpoint!.id;
        if (ctx.attempt === 0) first.push(id);
        return after(clock, id === 'A' ? 500 : 10, ctx, id);
      });
      await settle(clock, p);
      clock.advance(20); // think time between calls
    }
    await flush();
    const toB = first.filter((id) => id === 'B').length;
    expect(toB / first.length).toBeGreaterThanOrEqual(0.85);
    // Every call A took part in, A lost: cancelled, neutral for everything but latency.
    const onA = requests.filter((e) => e.endpoint === 'A');
    expect(onA.length).toBeGreaterThan(0);
    expect(onA.every((e) => e.cancelled === true && e.success === false)).toBe(true);
    expect(ejections).toEqual([]);
    expect(breakers.get('A')!.state).toBe('closed');
    expect(breakers.get('A')!.metrics()).toMatchObject({ failures: 0 });
    // No failure counted anywhere: A's error rate is untouched and, with outlierDetection at 1
    // consecutive failure, no ejection happened (checked above).
    expect(live('A').errorRate).toBe(0);
    expect(ewmaOf(lb, 'A')).toBeGreaterThan(ewmaOf(lb, 'B'));
    await lb.close();
  });

  it('raises the estimate to the elapsed time when above it (peak semantics)', async () => {
    const { clock, lb } = setup();
    const ac = new AbortController();
    const p = lb.execute((_, ctx) => after(clock, 1_000, ctx as AttemptContext, 'x'), { signal: ac.signal });
    clock.advance(300);
    ac.abort();
    await p.catch(() => undefined);
    await flush();
    expect(ewmaOf(lb, 'A')).toBe(300);
    await lb.close();
  });

  it('a cancelled attempt faster than the current estimate does not lower it', async () => {
    const { clock, lb, breakers, ejections, live } = setup(['A']);
    await settle(
      clock,
      lb.execute((_, ctx) => after(clock, 100, ctx as AttemptContext, 'ok')),
    );
    const at = clock.now();
    expect(ewmaOf(lb, 'A')).toBe(100);
    const errorRate = live('A').errorRate;
    const ac = new AbortController();
    const p = lb.execute((_, ctx) => after(clock, 10_000, ctx as AttemptContext, 'x'), { signal: ac.signal });
    clock.advance(5);
    ac.abort();
    await expect(p).rejects.toBeDefined();
    await flush();
    // Exactly the idle decay since the last real sample: the 5 ms lower bound changed nothing.
    expect(ewmaOf(lb, 'A')).toBeCloseTo(100 * Math.exp(-(clock.now() - at) / 10_000), 9);
    expect(live('A').errorRate).toBe(errorRate);
    expect(ejections).toEqual([]);
    expect(breakers.get('A')!.metrics()).toMatchObject({ failures: 0 });
    await lb.close();
  });
});
