import { describe, expect, it } from 'vitest';
import { circuitBreaker, consecutiveFailures } from '../breaker/index.js';
import type { CircuitBreaker, CircuitBreakerOptions } from '../breaker/types.js';
import { ManualClock } from '../clock.js';
import { TimeoutError } from '../errors.js';
import { hedge } from '../hedge/hedge.js';
import { pipeline } from '../pipeline.js';
import type { AttemptContext } from '../policy.js';
import { timeout } from '../timeout/timeout.js';
import { flush } from '../test-support/breaker.js';
import { observeStrategy } from '../test-support/observe-strategy.js';
import { loadBalancer } from './load-balancer.js';
import { adaptive } from './strategies/adaptive.js';
import { roundRobin } from './strategies/round-robin.js';
import type { EjectionEvent, Endpoint, LoadBalancerOptions, RequestEvent } from './types.js';

const eps = (ids: string[]): Endpoint[] => ids.map((id) => ({ id, url: `http://${id}` }));
/** Works until its attempt is aborted, then rejects with the signal's reason (as fetch does). */
const untilAborted = ({ signal }: AttemptContext): Promise<never> =>
  new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));

function setup(extra: Partial<LoadBalancerOptions> = {}) {
  const clock = new ManualClock();
  const breakers = new Map<string, CircuitBreaker>();
  const lb = loadBalancer({
    endpoints: eps(['a', 'b']),
    clock,
    strategy: roundRobin(),
    outlierDetection: { consecutiveFailures: 1 },
    breaker: { trip: consecutiveFailures(1) },
    createBreaker: (o: CircuitBreakerOptions) => {
      const b = circuitBreaker(o);
      breakers.set(o.name.split('/')[1]!, b);
      return b;
    },
    ...extra,
  });
  const requests: RequestEvent[] = [];
  const ejections: EjectionEvent[] = [];
  lb.on('request', (e) => requests.push(e));
  lb.on('ejection', (e) => ejections.push(e));
  return { clock, lb, breakers, requests, ejections };
}

const ewmaOf = (lb: ReturnType<typeof loadBalancer>, id: string): number =>
  lb.endpoints().find((e) => e.id === id)!.ewmaMs;

describe('cancelled attempts are neutral for the balancer', () => {
  it("hedge: the loser's abort counts nowhere but as a latency lower bound — no ejection, no breaker failure; its request event says cancelled", async () => {
    const { clock, lb, breakers, requests, ejections } = setup();
    const p = pipeline(hedge({ delayMs: 10, clock }), lb.asPolicy()).execute((ctx) => {
      if (ctx.endpoint!.id === 'a') return untilAborted(ctx);
      clock.advance(5);
      return 'from b';
    });
    clock.advance(10);
    await expect(p).resolves.toBe('from b');
    await flush();
    expect(ejections).toEqual([]);
    expect(lb.endpoints().find((e) => e.id === 'a')).toMatchObject({ ejected: false, inFlight: 0 });
    expect(ewmaOf(lb, 'a')).toBe(requests[1]!.durationMs); // its time without an answer: a lower bound on its latency
    expect(requests[1]!.durationMs).toBeGreaterThanOrEqual(10);
    expect(breakers.get('a')!.state).toBe('closed');
    expect(breakers.get('a')!.metrics()).toMatchObject({ requests: 0, failures: 0 });
    expect(requests.map((e) => [e.endpoint, e.success, e.cancelled])).toEqual([
      ['b', true, undefined],
      ['a', false, true],
    ]);
    expect(requests[1]!.error).toBeInstanceOf(DOMException);
  });

  it('a caller abort is neutral too', async () => {
    const { lb, breakers, requests, ejections } = setup();
    const ac = new AbortController();
    const p = lb.execute((_, ctx) => untilAborted(ctx as AttemptContext), { signal: ac.signal });
    ac.abort(new Error('client left'));
    await expect(p).rejects.toThrow('client left');
    await flush();
    expect(ejections).toEqual([]);
    expect(breakers.get('a')!.state).toBe('closed');
    expect(requests).toMatchObject([{ endpoint: 'a', success: false, cancelled: true }]);
  });

  it('a timeout counts: ejection, breaker failure and timeout, latency sample, request event not cancelled', async () => {
    const { clock, lb, breakers, requests, ejections } = setup();
    const p = pipeline(timeout(50, { clock }), lb.asPolicy()).execute(untilAborted);
    clock.advance(50);
    await expect(p).rejects.toBeInstanceOf(TimeoutError);
    await flush();
    expect(ejections).toMatchObject([{ endpoint: 'a', ejected: true }]);
    expect(breakers.get('a')!.state).toBe('open');
    expect(breakers.get('a')!.metrics()).toMatchObject({ failures: 1, timeouts: 1 });
    expect(ewmaOf(lb, 'a')).toBe(50);
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({ endpoint: 'a', success: false });
    expect(requests[0]!.cancelled).toBeUndefined();
  });

  it('adaptive weights learn nothing from a cancelled attempt', async () => {
    const observed = observeStrategy(adaptive({ learningRate: 0.5 }));
    const { clock, lb } = setup({
      strategy: observed.strategy,
      outlierDetection: undefined,
      breaker: undefined,
      random: () => 0,
    });
    const scores = (): number[] => ['a', 'b'].map((id) => observed.live(id).score);
    lb.pick(); // the balancer offers its endpoints to the strategy before the first pick
    const before = scores();
    const ac = new AbortController();
    const p = lb.execute((_, ctx) => untilAborted(ctx as AttemptContext), { signal: ac.signal });
    clock.advance(20);
    ac.abort();
    await p.catch(() => undefined);
    await flush();
    expect(scores()).toEqual(before);
  });
});
