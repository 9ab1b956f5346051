import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../clock.js';
import { ConfigError } from '../../errors.js';
import { boom } from '../../test-support/breaker.js';
import { circuitBreaker } from '../circuit-breaker.js';
import type { BreakerSnapshot, TripStrategy } from '../types.js';
import { consecutiveFailures } from './consecutive-failures.js';
import { failureRate } from './failure-rate.js';
import { predictive } from './predictive.js';

/** A custom strategy: two failures in a row, under whatever names the test gives it. */
const custom = (names: { name?: unknown; kind?: unknown }) =>
  ({ ...names, create: (clock, options) => consecutiveFailures(2).create(clock, options) }) as TripStrategy;

/** One failure recorded, then the breaker's snapshot (the window holds it). */
async function snapshotAfterOneFailure(trip: TripStrategy): Promise<BreakerSnapshot> {
  const breaker = circuitBreaker({ name: 'db', clock: new ManualClock(), trip });
  await breaker.execute(boom).catch(() => undefined);
  return JSON.parse(JSON.stringify(breaker)) as BreakerSnapshot;
}

describe('TripStrategy.name (kind: its deprecated alias)', () => {
  it('every built-in strategy carries name and kind with the same value', () => {
    const strategies: TripStrategy[] = [
      consecutiveFailures(5),
      failureRate({ threshold: 0.5, minimumRequests: 10, window: { kind: 'count', size: 20 } }),
      predictive(),
    ];
    expect(strategies.map((s) => [s.name, s.kind])).toEqual([
      ['consecutiveFailures', 'consecutiveFailures'],
      ['failureRate', 'failureRate'],
      ['predictive', 'predictive'],
    ]);
  });

  it('a custom strategy with only name works, and snapshots record its name under trip.kind', async () => {
    const trip: TripStrategy = { name: 'mine', create: (clock) => consecutiveFailures(2).create(clock) };
    const snapshot = await snapshotAfterOneFailure(trip);
    expect(Object.keys(snapshot.trip)).toEqual(['kind', 'window']); // the snapshot format is unchanged
    expect(snapshot.trip.kind).toBe('mine');
    const restored = circuitBreaker({ name: 'db', clock: new ManualClock(), trip, initialState: snapshot });
    await restored.execute(boom).catch(() => undefined);
    expect(restored.state).toBe('open'); // the restored window held the first failure
  });

  it('a custom strategy with only the deprecated kind is still accepted; its kind is its name', async () => {
    const kindOnly = { kind: 'mine', create: custom({}).create };
    const breaker = circuitBreaker({ name: 'db', clock: new ManualClock(), trip: kindOnly });
    await breaker.execute(boom).catch(() => undefined);
    await breaker.execute(boom).catch(() => undefined);
    expect(breaker.state).toBe('open');
    const snapshot = await snapshotAfterOneFailure(custom({ kind: 'mine' }));
    expect(snapshot.trip.kind).toBe('mine');
    // A snapshot written by the kind-only strategy restores into its successor that sets name.
    const restored = circuitBreaker({
      name: 'db',
      clock: new ManualClock(),
      trip: custom({ name: 'mine' }),
      initialState: snapshot,
    });
    await restored.execute(boom).catch(() => undefined);
    expect(restored.state).toBe('open');
  });

  it('name wins when a strategy sets both differently', async () => {
    const snapshot = await snapshotAfterOneFailure(custom({ name: 'new', kind: 'old' }));
    expect(snapshot.trip.kind).toBe('new');
  });

  it.each([
    ['neither', {}, 'circuitBreaker.trip.name', 'undefined'],
    ['an empty name', { name: '' }, 'circuitBreaker.trip.name', '""'],
    ['a numeric kind', { kind: 7 }, 'circuitBreaker.trip.kind', '7'],
  ])('a strategy with %s is a ConfigError naming the field', (_, names, path, got) => {
    const attempt = () => circuitBreaker({ name: 'db', trip: custom(names) });
    expect(attempt).toThrow(ConfigError);
    try {
      attempt();
    } catch (e) {
      expect((e as ConfigError).path).toBe(path);
      expect((e as ConfigError).message).toContain("expected the trip strategy's name, a non-empty string");
      expect((e as ConfigError).message).toContain(`got ${got}`);
    }
  });
});
