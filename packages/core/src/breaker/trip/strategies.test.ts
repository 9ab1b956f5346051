import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../clock.js';
import { ConfigError } from '../../errors.js';
import type { CallOutcome, TripEvaluator } from '../types.js';
import { consecutiveFailures } from './consecutive-failures.js';
import { failureRate } from './failure-rate.js';
import { sigmoid } from './logistic-model.js';
import { predictive } from './predictive.js';

const outcome = (success: boolean, extra: Partial<CallOutcome> = {}): CallOutcome => ({
  success,
  durationMs: 10,
  slow: false,
  inFlight: 1,
  at: 0,
  ...extra,
});

function feed(e: TripEvaluator, pattern: string): Array<string | undefined> {
  return [...pattern].map((c) => e.record(outcome(c === '.', { slow: c === 's' })));
}

describe('consecutiveFailures', () => {
  it('trips on the n-th failure in a row', () => {
    const e = consecutiveFailures(3).create(new ManualClock());
    expect(feed(e, 'xx.xx')).toEqual([undefined, undefined, undefined, undefined, undefined]);
    expect(e.record(outcome(false))).toBe('3 consecutive failures');
    expect(e.failureRate()).toBeCloseTo(5 / 6);
    expect(e.windowSize()).toBe(6);
    e.reset();
    expect(e.failureRate()).toBe(0);
  });

  it('with slowCall, trips on the slow-call rate over the last n calls', () => {
    const e = consecutiveFailures(4).create(new ManualClock(), { slowCallRateThreshold: 0.5 });
    expect(feed(e, 's..')).toEqual([undefined, undefined, undefined]);
    expect(e.record(outcome(true, { slow: true }))).toBe('slow call rate 50% ≥ 50% over 4 calls');
  });

  it('validates n', () => {
    expect(() => consecutiveFailures(0)).toThrow(ConfigError);
    expect(() => consecutiveFailures(1.5)).toThrow(/consecutiveFailures\.n: expected an integer ≥ 1, got 1.5/);
  });

  it('aggregate: n failures that are the majority', () => {
    const e = consecutiveFailures(3).create(new ManualClock());
    expect(e.shouldTripOn({ successes: 2, failures: 3, slowCalls: 0 })).toBe(true);
    expect(e.shouldTripOn({ successes: 4, failures: 3, slowCalls: 0 })).toBe(false);
    expect(e.shouldTripOn({ successes: 0, failures: 2, slowCalls: 0 })).toBe(false);
  });
});

describe('failureRate (count window)', () => {
  const make = () =>
    failureRate({ threshold: 0.5, minimumRequests: 4, window: { kind: 'count', size: 6 } }).create(new ManualClock());

  it('needs minimumRequests, then trips when rate ≥ threshold', () => {
    const e = make();
    expect(feed(e, 'xxx')).toEqual([undefined, undefined, undefined]); // 100% but only 3 calls
    expect(e.record(outcome(false))).toBe('failure rate 100% ≥ 50% over 4 calls');
  });

  it('trips exactly at the threshold (≥), not below', () => {
    const e = make();
    expect(feed(e, '..x').every((r) => r === undefined)).toBe(true);
    expect(e.record(outcome(false))).toBe('failure rate 50% ≥ 50% over 4 calls');
    const f = make();
    expect(feed(f, '...x.x').every((r) => r === undefined)).toBe(true); // 2/6 then 2/6
    expect(f.failureRate()).toBeCloseTo(2 / 6);
  });

  it('old outcomes leave the ring', () => {
    const e = make();
    feed(e, 'x.....'); // 1/6
    expect(e.failureRate()).toBeCloseTo(1 / 6);
    feed(e, '.');
    expect(e.failureRate()).toBe(0);
    expect(e.windowSize()).toBe(6);
  });

  it('slow calls trip on the same window', () => {
    const e = failureRate({ threshold: 0.9, minimumRequests: 4, window: { kind: 'count', size: 4 } }).create(
      new ManualClock(),
      {
        slowCallRateThreshold: 0.75,
      },
    );
    expect(feed(e, 'ss.')).toEqual([undefined, undefined, undefined]);
    expect(e.record(outcome(true, { slow: true }))).toBe('slow call rate 75% ≥ 75% over 4 calls');
  });

  it('aggregate totals use the same rule', () => {
    const e = make();
    expect(e.shouldTripOn({ successes: 2, failures: 2, slowCalls: 0 })).toBe(true);
    expect(e.shouldTripOn({ successes: 1, failures: 2, slowCalls: 0 })).toBe(false); // below minimum
    expect(e.shouldTripOn({ successes: 3, failures: 2, slowCalls: 0 })).toBe(false);
  });
});

describe('failureRate (time window)', () => {
  it('counts only the last `ms`, rotating lazily', () => {
    const clock = new ManualClock(0);
    const e = failureRate({
      threshold: 0.5,
      minimumRequests: 3,
      window: { kind: 'time', ms: 1_000, buckets: 10 },
    }).create(clock);
    e.record(outcome(false));
    e.record(outcome(false));
    clock.advance(1_000); // both failures expire
    expect(e.windowSize()).toBe(0);
    expect(e.record(outcome(false))).toBeUndefined(); // 1 call in window
    clock.advance(500);
    expect(e.record(outcome(true))).toBeUndefined();
    expect(e.record(outcome(false))).toBe('failure rate 66.7% ≥ 50% over 3 calls');
    clock.advance(3_600_000);
    expect(e.failureRate()).toBe(0);
  });

  it('defaults to 10 buckets', () => {
    const clock = new ManualClock(0);
    const e = failureRate({ threshold: 1, minimumRequests: 1, window: { kind: 'time', ms: 1_000 } }).create(clock);
    e.record(outcome(true));
    clock.advance(950);
    expect(e.windowSize()).toBe(1);
    clock.advance(100); // the first 100 ms bucket is gone
    expect(e.windowSize()).toBe(0);
  });
});

describe('failureRate validation', () => {
  const bad: Array<[unknown, RegExp]> = [
    [
      { threshold: 0, minimumRequests: 1, window: { kind: 'count', size: 5 } },
      /failureRate\.threshold: expected a number in \(0, 1\]/,
    ],
    [{ threshold: 50, minimumRequests: 1, window: { kind: 'count', size: 5 } }, /failureRate\.threshold.*got 50/],
    [{ threshold: 0.5, minimumRequests: 0, window: { kind: 'count', size: 5 } }, /failureRate\.minimumRequests/],
    [
      { threshold: 0.5, minimumRequests: 6, window: { kind: 'count', size: 5 } },
      /failureRate\.minimumRequests: expected at most window\.size/,
    ],
    [{ threshold: 0.5, minimumRequests: 1, window: { kind: 'count', size: 0 } }, /failureRate\.window\.size/],
    [
      { threshold: 0.5, minimumRequests: 1, window: { kind: 'time', ms: -1 } },
      /failureRate\.window\.ms: expected a finite number > 0, got -1/,
    ],
    [
      { threshold: 0.5, minimumRequests: 1, window: { kind: 'time', ms: 10, buckets: 0 } },
      /failureRate\.window\.buckets/,
    ],
    [
      { threshold: 0.5, minimumRequests: 1, window: { kind: 'sliding' } },
      /failureRate\.window\.kind: expected 'count' or 'time', got "sliding"/,
    ],
    [{ threshold: 0.5, minimumRequests: 1 }, /failureRate\.window: expected an object, got undefined/],
  ];
  it.each(bad)('rejects %j', (o, message) => {
    const err = (() => {
      try {
        failureRate(o as never);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(message);
  });
});

describe('sigmoid', () => {
  it('is stable at the extremes', () => {
    expect(sigmoid(0)).toBe(0.5);
    expect(sigmoid(1_000)).toBe(1);
    expect(sigmoid(-1_000)).toBe(0);
    expect(Number.isNaN(sigmoid(-1e308))).toBe(false);
    expect(sigmoid(2) + sigmoid(-2)).toBeCloseTo(1, 12);
  });
});

describe('predictive', () => {
  it('stays closed on a healthy stream and trips when failures start', () => {
    const strategy = predictive({ threshold: 0.7, warmup: 20, windowSize: 50, learningRate: 0.2 });
    const e = strategy.create(new ManualClock());
    for (let i = 0; i < 300; i++) expect(e.record(outcome(i % 25 !== 0, { durationMs: 10 + (i % 3) }))).toBeUndefined();
    const calm = strategy.inspect()!;
    expect(calm.lastProbability).toBeLessThan(0.2);
    let trippedAfter = -1;
    for (let i = 0; i < 100 && trippedAfter < 0; i++) {
      if (e.record(outcome(false, { durationMs: 200 })) !== undefined) trippedAfter = i + 1;
    }
    expect(trippedAfter).toBeGreaterThan(0);
    expect(trippedAfter).toBeLessThan(30);
    const after = strategy.inspect()!;
    expect(after.lastProbability).toBeGreaterThanOrEqual(0.7);
    expect(after.weights.bias).toBeGreaterThan(calm.weights.bias); // learned that failures are now the norm
  });

  it('never trips before warmup', () => {
    const e = predictive({ warmup: 50, learningRate: 1 }).create(new ManualClock());
    for (let i = 0; i < 49; i++) expect(e.record(outcome(false))).toBeUndefined();
    expect(e.record(outcome(false))).toMatch(/^predicted failure probability 0\.\d\d ≥ 0\.7$/);
  });

  it('learns that rising latency precedes failures and trips on latency alone', () => {
    const e = predictive({ warmup: 10, learningRate: 0.5, windowSize: 20 }).create(new ManualClock());
    // Teach: a slow call is followed by a failure; fast ones by successes.
    for (let round = 0; round < 60; round++) {
      for (let i = 0; i < 8; i++) e.record(outcome(true, { durationMs: 10 }));
      e.record(outcome(true, { durationMs: 400 }));
      e.record(outcome(false, { durationMs: 10 }));
    }
    const w = (e.inspect!() as { weights: { latency: number } }).weights;
    expect(w.latency).toBeGreaterThan(0);
    e.reset();
    for (let i = 0; i < 10; i++) e.record(outcome(true, { durationMs: 10 }));
    let reason: string | undefined;
    for (let i = 0; i < 10 && reason === undefined; i++) reason = e.record(outcome(true, { durationMs: 800 }));
    expect(reason).toMatch(/predicted failure probability/);
  });

  it('failureRate and windowSize describe the window; reset keeps weights', () => {
    const e = predictive({ windowSize: 4 }).create(new ManualClock());
    feed(e, 'x...x');
    expect(e.failureRate()).toBe(0.25);
    expect(e.windowSize()).toBe(4);
    const before = (e.inspect!() as { weights: { bias: number } }).weights.bias;
    e.reset();
    expect(e.windowSize()).toBe(0);
    expect((e.inspect!() as { weights: { bias: number } }).weights.bias).toBe(before);
    expect(e.needsTiming).toBe(true);
  });

  it('validates options', () => {
    expect(() => predictive({ threshold: 1.5 })).toThrow(/predictive\.threshold/);
    expect(() => predictive({ windowSize: 0 })).toThrow(/predictive\.windowSize/);
    expect(() => predictive({ learningRate: 0 })).toThrow(
      /predictive\.learningRate: expected a finite number > 0, got 0/,
    );
    expect(() => predictive({ warmup: -1 })).toThrow(/predictive\.warmup/);
  });
});
