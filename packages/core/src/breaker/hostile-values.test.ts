import { describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.js';
import { pipeline } from '../pipeline.js';
import type { Policy } from '../policy.js';
import { retry } from '../retry/retry.js';
import { timeout } from '../timeout/timeout.js';
import { flush } from '../test-support/breaker.js';
import { circuitBreaker, type CircuitBreakerPolicy } from './circuit-breaker.js';
import { consecutiveFailures } from './trip/consecutive-failures.js';

const revoked = (): object => {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
};
const throwingName = (): object => ({
  get name(): string {
    throw new Error('name getter');
  },
});
const throwingThen = (): object => ({
  get then(): never {
    throw new Error('then getter');
  },
});

/** Hostile outcomes of the protected function: [label, fn]. */
const HOSTILE: Array<[string, () => unknown]> = [
  ['returns a thenable whose then getter throws', () => throwingThen()],
  ['returns a revoked proxy', () => revoked()],
  ['rejects with a revoked proxy', () => Promise.reject(revoked())],
  ['rejects with an error whose name getter throws', () => Promise.reject(throwingName())],
  [
    'throws a revoked proxy',
    () => {
      throw revoked();
    },
  ],
  [
    'throws an object whose name getter throws',
    () => {
      throw throwingName();
    },
  ],
  [
    'returns a thenable that throws inside then()',
    () => ({
      then() {
        throw new Error('inside then');
      },
    }),
  ],
];

async function settleOf(p: Promise<unknown>): Promise<'resolved' | 'rejected'> {
  return p.then(
    () => 'resolved' as const,
    () => 'rejected' as const,
  );
}

function callSync(policy: Policy, fn: () => unknown): Promise<unknown> {
  let p: Promise<unknown> | undefined;
  expect(() => {
    p = policy.execute(fn as () => Promise<unknown>);
  }).not.toThrow();
  expect(p).toBeInstanceOf(Promise);
  return p!;
}

describe('execute() never throws synchronously nor crashes on hostile values', () => {
  const crashes: unknown[] = [];
  const onCrash = (e: unknown): void => {
    crashes.push(e);
  };

  const makers: Array<[string, (b: CircuitBreakerPolicy, clock: ManualClock) => Policy]> = [
    ['breaker (fast path)', (b) => b],
    [
      'breaker with a caller signal (async path)',
      (b) => ({ execute: (fn) => b.execute(fn, { signal: new AbortController().signal }) }),
    ],
    [
      'breaker with a success listener (timed path)',
      (b) => {
        b.on('success', () => {});
        return b;
      },
    ],
    [
      'pipeline(retry, breaker, timeout)',
      (b, clock) =>
        pipeline(retry({ maxAttempts: 2, backoff: { delayMs: () => 0 }, clock }), b, timeout(1_000, { clock })),
    ],
    ['pipeline(breaker, timeout)', (b, clock) => pipeline(b, timeout(1_000, { clock }))],
  ];

  for (const [where, wrap] of makers) {
    it.each(HOSTILE)(`${where}: fn %s → settled promise, books balanced`, async (_, fn) => {
      process.on('uncaughtException', onCrash);
      process.on('unhandledRejection', onCrash);
      try {
        const clock = new ManualClock();
        const breaker = circuitBreaker({ name: 'h', clock, trip: consecutiveFailures(100) });
        const policy = wrap(breaker, clock);
        const outcome = await settleOf(callSync(policy, fn));
        expect(['resolved', 'rejected']).toContain(outcome);
        await flush();
        await new Promise((r) => setImmediate(r));
        const m = breaker.metrics();
        expect(m.inFlight).toBe(0);
        expect(m.requests).toBe(m.successes + m.failures + m.rejected);
        expect(m.successes + m.failures + m.ignored + m.cancelled).toBeGreaterThan(0);
        expect(crashes).toEqual([]);
      } finally {
        process.off('uncaughtException', onCrash);
        process.off('unhandledRejection', onCrash);
      }
    });
  }

  it('a thenable whose then getter throws counts as a failure and the caller gets that error', async () => {
    const breaker = circuitBreaker({ name: 'h', clock: new ManualClock(), trip: consecutiveFailures(1) });
    await expect(callSync(breaker, throwingThen)).rejects.toThrow('then getter');
    expect(breaker.metrics()).toMatchObject({ failures: 1, inFlight: 0 });
    expect(breaker.state).toBe('open');
  });

  it('odd ExecuteOptions (null, a throwing signal getter) reject instead of throwing', async () => {
    const breaker = circuitBreaker({ name: 'h', clock: new ManualClock() });
    const bad = [
      null,
      {
        get signal(): never {
          throw new Error('signal getter');
        },
      },
      { signal: {} },
    ];
    for (const opts of bad) {
      let p: Promise<unknown> | undefined;
      expect(() => {
        p = breaker.execute(() => 'x', opts as never);
      }).not.toThrow();
      await settleOf(p!);
    }
    const policy = pipeline(breaker, timeout(10, { clock: new ManualClock() }));
    expect(() => void policy.execute(() => 'x', null as never).catch(() => undefined)).not.toThrow();
  });

  it('a foreign policy whose execute throws synchronously inside a pipeline rejects', async () => {
    const foreign: Policy = {
      execute: () => {
        throw new Error('foreign');
      },
    };
    const breaker = circuitBreaker({ name: 'h', clock: new ManualClock() });
    await expect(callSync(pipeline(breaker, foreign), () => 'x')).rejects.toThrow('foreign');
    await expect(callSync(pipeline(foreign, breaker), () => 'x')).rejects.toThrow('foreign');
    expect(breaker.metrics().inFlight).toBe(0);
  });

  it("a throwing custom trip strategy neither crashes nor changes the caller's outcome", async () => {
    const breaker = circuitBreaker({
      name: 'h',
      clock: new ManualClock(),
      trip: {
        kind: 'bad',
        create: () => ({
          record() {
            throw new Error('bad strategy');
          },
          failureRate: () => 0,
          windowSize: () => 0,
          shouldTripOn: () => false,
          reset() {},
        }),
      },
    });
    await expect(breaker.execute(() => Promise.resolve('ok'))).resolves.toBe('ok');
    await expect(breaker.execute(() => Promise.reject(new Error('x')))).rejects.toThrow('x');
    expect(breaker.metrics()).toMatchObject({ successes: 1, failures: 1, inFlight: 0 });
  });
});
