import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.js';
import { BrokenCircuitError, ConfigError } from '../errors.js';
import { constantBackoff, exponentialBackoff } from '../retry/backoff.js';
import { memoryBreakerStore } from '../store/memory-store.js';
import { boom, flush } from '../test-support/breaker.js';
import { circuitBreaker, type CircuitBreakerPolicy } from './circuit-breaker.js';
import { consecutiveFailures } from './trip/consecutive-failures.js';

const growing = () => exponentialBackoff({ initialMs: 1_000, maxMs: 8_000, jitter: 'none' });

/** Advances until the breaker would admit a probe; returns how long that took. */
function untilDue(breaker: CircuitBreakerPolicy, clock: ManualClock): number {
  let waited = 0;
  while (!breaker.wouldAdmit()) {
    clock.advance(100);
    waited += 100;
  }
  return waited;
}

describe('halfOpenAfterMs with a Backoff (growing open period)', () => {
  it('each failed probe re-opens for the next, longer period; capped by the backoff', async () => {
    const clock = new ManualClock();
    const breaker = circuitBreaker({ name: 'g', clock, trip: consecutiveFailures(1), halfOpenAfterMs: growing() });
    const reasons: string[] = [];
    breaker.on('stateChange', (e) => reasons.push(e.reason));
    await breaker.execute(boom).catch(() => undefined);
    const periods: number[] = [];
    for (let i = 0; i < 6; i++) {
      periods.push(untilDue(breaker, clock));
      await expect(breaker.execute(boom)).rejects.toThrow('boom'); // the probe fails
    }
    expect(periods).toEqual([1_000, 2_000, 4_000, 8_000, 8_000, 8_000]);
    expect(reasons).toContain('open for 4000ms');
    expect(((await breaker.execute(() => 'x').catch((e: unknown) => e)) as BrokenCircuitError).retryAfterMs).toBe(
      8_000,
    );
  });

  it('closing resets the schedule; reset() too', async () => {
    const clock = new ManualClock();
    const breaker = circuitBreaker({ name: 'g', clock, trip: consecutiveFailures(1), halfOpenAfterMs: growing() });
    await breaker.execute(boom).catch(() => undefined);
    untilDue(breaker, clock);
    await breaker.execute(boom).catch(() => undefined); // attempt 2: 2 s
    expect(untilDue(breaker, clock)).toBe(2_000);
    await breaker.execute(() => 'ok'); // closes
    await breaker.execute(boom).catch(() => undefined);
    expect(untilDue(breaker, clock)).toBe(1_000);
    await breaker.execute(boom).catch(() => undefined);
    breaker.reset();
    await breaker.execute(boom).catch(() => undefined);
    expect(untilDue(breaker, clock)).toBe(1_000);
  });

  it('a number keeps a fixed period; a throwing or NaN backoff never breaks a transition', async () => {
    const clock = new ManualClock();
    const fixed = circuitBreaker({
      name: 'f',
      clock,
      trip: consecutiveFailures(1),
      halfOpenAfterMs: constantBackoff(500),
    });
    await fixed.execute(boom).catch(() => undefined);
    for (let i = 0; i < 3; i++) {
      expect(untilDue(fixed, clock)).toBe(500);
      await fixed.execute(boom).catch(() => undefined);
    }
    let calls = 0;
    const odd = circuitBreaker({
      name: 'o',
      clock,
      trip: consecutiveFailures(1),
      halfOpenAfterMs: {
        delayMs: () => {
          calls++;
          if (calls === 1) return 300;
          if (calls === 2) return Number.NaN;
          throw new Error('backoff');
        },
      },
    });
    await odd.execute(boom).catch(() => undefined); // 300 ms (the first call was made at construction)
    expect(untilDue(odd, clock)).toBe(0); // NaN → 0
    await odd.execute(boom).catch(() => undefined); // throws → keeps the last period (0)
    expect(odd.state).toBe('half-open');
  });

  it('rejects a halfOpenAfterMs that is neither a number nor a Backoff', () => {
    expect(() => circuitBreaker({ name: 'x', halfOpenAfterMs: 'soon' as never })).toThrow(ConfigError);
    expect(() => circuitBreaker({ name: 'x', halfOpenAfterMs: { initialMs: 5 } as never })).toThrow(
      /circuitBreaker\.halfOpenAfterMs: expected a number of ms ≥ 0 or a Backoff/,
    );
  });

  it("with a store, the attempt count travels with the shared state: every replica uses the fleet's period", async () => {
    const clock = new ManualClock();
    const store = memoryBreakerStore();
    const [a, b] = [0, 1].map(() =>
      circuitBreaker({ name: 'fleet', clock, store, trip: consecutiveFailures(1), halfOpenAfterMs: growing() }),
    );
    await a!.execute(boom).catch(() => undefined);
    await flush();
    // Probes alternate between replicas; each failure grows the period for both.
    const probers = [b!, a!, b!, a!];
    const waits: number[] = [];
    for (const prober of probers) {
      waits.push(untilDue(prober, clock));
      await prober.execute(boom).catch(() => undefined);
      await flush();
      expect(store.stateOf('fleet')).toMatchObject({ state: 'open' });
    }
    expect(waits).toEqual([1_000, 2_000, 4_000, 8_000]);
    expect(store.stateOf('fleet')!.openAttempt).toBe(5);
    untilDue(a!, clock);
    await a!.execute(() => 'ok');
    await flush();
    expect(store.stateOf('fleet')).toMatchObject({ state: 'closed', openAttempt: 0 });
    await b!.execute(boom).catch(() => undefined);
    await flush();
    expect(untilDue(a!, clock)).toBe(1_000);
    await store.close();
  });

  it('property: the open period before probe k is min(initial·2^(k-1), max), whatever the probe outcomes before closing', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.boolean(), { minLength: 1, maxLength: 12 }), async (probeOk) => {
        const clock = new ManualClock();
        const breaker = circuitBreaker({
          name: 'p',
          clock,
          trip: consecutiveFailures(1),
          halfOpenAfterMs: exponentialBackoff({ initialMs: 100, maxMs: 1_600, jitter: 'none' }),
        });
        await breaker.execute(boom).catch(() => undefined);
        let attempt = 1;
        for (const ok of probeOk) {
          if (breaker.state === 'closed') {
            await breaker.execute(boom).catch(() => undefined);
            attempt = 1;
          }
          expect(untilDue(breaker, clock)).toBe(Math.min(100 * 2 ** (attempt - 1), 1_600));
          await breaker.execute(ok ? () => 'ok' : boom).catch(() => undefined);
          attempt = ok ? 1 : attempt + 1;
        }
      }),
      { numRuns: 100 },
    );
  });
});
