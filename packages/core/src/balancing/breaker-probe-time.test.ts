import { describe, expect, it } from 'vitest';
import { circuitBreaker, consecutiveFailures } from '../breaker/index.js';
import type { CircuitBreaker, CircuitBreakerOptions } from '../breaker/types.js';
import { ManualClock } from '../clock.js';
import { exponentialBackoff } from '../retry/backoff.js';
import { loadBalancer } from './load-balancer.js';
import type { Endpoint } from './types.js';

const boom = (): never => {
  throw new Error('down');
};

/** x and a backup b: the backup serves only while x is out. */
const endpoints: Endpoint[] = [
  { id: 'x', url: 'http://x' },
  { id: 'b', url: 'http://b', backup: true },
];
const failOnX = (ep: Endpoint): string => (ep.id === 'x' ? boom() : ep.id);

describe('the balancer asks the breaker when it next admits a probe (nextProbeAt)', () => {
  it("keeps an endpoint out for its breaker's current open period, also when a Backoff made it longer", async () => {
    const clock = new ManualClock();
    let x: CircuitBreaker | undefined;
    const createBreaker = (o: CircuitBreakerOptions): CircuitBreaker => {
      const b = circuitBreaker(o);
      if (o.name.endsWith('/x')) x = b;
      return b;
    };
    // x's breaker opens for 1 s, then 2 s after a failed probe.
    const halfOpenAfterMs = exponentialBackoff({ initialMs: 1_000, multiplier: 2, jitter: 'none' });
    const lb = loadBalancer({
      name: 'api',
      endpoints,
      clock,
      createBreaker,
      breaker: { trip: consecutiveFailures(1), halfOpenAfterMs },
    });
    await expect(lb.execute(failOnX)).rejects.toThrow('down');
    expect(x!.state).toBe('open');
    await expect(lb.execute((ep) => ep.id)).resolves.toBe('b');
    clock.advance(1_000);
    await expect(lb.execute(failOnX)).rejects.toThrow('down'); // x's probe fails: open for 2 s now
    expect(x!.state).toBe('open');
    expect(x!.nextProbeAt!()).toBe(clock.now() + 2_000);
    clock.advance(1_500);
    // Past the first period but inside the current one: still out, so the backup serves (an estimate
    // from the first period would offer x, whose breaker refuses, and the call would fail).
    await expect(lb.execute((ep) => ep.id)).resolves.toBe('b');
    clock.advance(500);
    await expect(lb.execute((ep) => ep.id)).resolves.toBe('x');
  });

  it('estimates from metrics().stateSince and halfOpenAfterMs for a breaker without nextProbeAt', async () => {
    const clock = new ManualClock();
    // A custom breaker: a Breakwater one behind the CircuitBreaker interface, without the optional read.
    const createBreaker = (o: CircuitBreakerOptions): CircuitBreaker => {
      const b = circuitBreaker(o);
      return {
        get name() {
          return b.name;
        },
        get state() {
          return b.state;
        },
        get generation() {
          return b.generation;
        },
        execute: (fn, opts) => b.execute(fn, opts),
        isolate: (opts) => b.isolate(opts),
        reset: () => b.reset(),
        wouldAdmit: () => b.wouldAdmit(),
        metrics: () => b.metrics(),
        on: ((event: 'stateChange', fn: never) => b.on(event, fn)) as CircuitBreaker['on'],
        close: () => b.close(),
        dispose: () => b.dispose(),
      };
    };
    const lb = loadBalancer({
      name: 'api',
      endpoints,
      clock,
      createBreaker,
      breaker: { trip: consecutiveFailures(1), halfOpenAfterMs: 1_000 },
    });
    await expect(lb.execute(failOnX)).rejects.toThrow('down');
    clock.advance(999);
    await expect(lb.execute((ep) => ep.id)).resolves.toBe('b');
    clock.advance(1);
    await expect(lb.execute((ep) => ep.id)).resolves.toBe('x');
  });
});
