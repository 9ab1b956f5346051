import fc from 'fast-check';
import { expect } from 'vitest';
import type { CircuitBreakerMetrics, CircuitBreakerPolicy } from '../breaker/types.js';
import type { ManualClock } from '../clock.js';
import { flush } from './breaker.js';

/**
 * Twin-breaker properties: two breakers over one clock get the same successes, failures and clock
 * advances, and one of them also sees calls of a kind the test names (cancelled, ignored, ...).
 * When that kind is invisible to a breaker, both stay in the same state throughout.
 */
export type TwinOp<K extends string> = { kind: 'ok' | 'fail' | K } | { kind: 'advance'; ms: number };

/** Up to 60 steps: ok, fail, the test's own kinds (repeat one to weight it) and advances of 1..1500 ms. */
export function twinOps<K extends string>(...own: K[]): fc.Arbitrary<Array<TwinOp<K>>> {
  const calls: Array<TwinOp<K>> = [{ kind: 'ok' }, { kind: 'fail' }, ...own.map((kind) => ({ kind }))];
  const op = fc.oneof(
    fc.constantFrom(...calls),
    fc.integer({ min: 1, max: 1_500 }).map((ms): TwinOp<K> => ({ kind: 'advance', ms })),
  );
  return fc.array(op, { maxLength: 60 });
}

const fail = (): never => {
  throw new Error('x');
};

/**
 * Plays `ops`: `ok` and `fail` calls reach both breakers, `advance` moves the clock, the test's own
 * kinds go to `own` (which decides what each breaker sees). After every step both are in the same state.
 */
export async function playTwins<K extends string>(
  clock: ManualClock,
  seen: CircuitBreakerPolicy,
  twin: CircuitBreakerPolicy,
  ops: ReadonlyArray<TwinOp<K>>,
  own: (kind: K) => Promise<void>,
): Promise<void> {
  for (const o of ops) {
    if ('ms' in o) clock.advance(o.ms);
    else if (o.kind === 'ok') await Promise.all([seen, twin].map((b) => b.execute(() => 'ok').catch(() => undefined)));
    else if (o.kind === 'fail') await Promise.all([seen, twin].map((b) => b.execute(fail).catch(() => undefined)));
    else await own(o.kind as K);
    await flush();
    expect(seen.state).toBe(twin.state);
  }
}

/** Every call counted once (`requests = successes + failures + rejected`) and none left in flight. */
export function expectAllCallsSettled(m: CircuitBreakerMetrics): void {
  expect(m.requests).toBe(m.successes + m.failures + m.rejected);
  expect(m.inFlight).toBe(0);
}
