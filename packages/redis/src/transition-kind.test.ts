import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { classifyTransition, type Desired } from './transition-kind.js';

const d = (o: Partial<Desired>): Desired => ({
  state: 'open',
  from: 'closed',
  reason: 'r',
  gen: 2,
  attempts: 0,
  basis: undefined,
  ...o,
});
const view = (state: 'closed' | 'open' | 'isolated', gen = 1) => ({ state, gen });

describe('classifyTransition', () => {
  it.each([
    ['a trip while the fleet is closed', d({}), view('closed'), 'trip'],
    ['a trip on fleet totals', d({ aggregate: true }), view('closed'), 'aggregate'],
    ['a trip the fleet already has (same numbering)', d({ gen: 1 }), view('open', 1), 'skip'],
    ["a trip numbered ahead of the fleet's open state", d({ gen: 5 }), view('open', 1), 'trip'],
    ['a trip while the fleet is isolated', d({}), view('isolated'), 'skip'],
    ["the lease holder's failed probe", d({ from: 'half-open', basis: 'lease' }), view('open'), 'probe'],
    [
      "the lease holder's successful probe",
      d({ state: 'closed', from: 'half-open', basis: 'lease' }),
      view('open'),
      'probe',
    ],
    [
      'a probe made while Redis was away',
      d({ state: 'closed', from: 'half-open', basis: 'unhealthy' }),
      view('open'),
      'probe',
    ],
    [
      'a local recovery below quorum',
      d({ state: 'closed', from: 'half-open', basis: 'local-open' }),
      view('closed'),
      'withdraw',
    ],
    [
      'a local recovery while the fleet opened meanwhile',
      d({ state: 'closed', from: 'half-open', basis: 'local-open' }),
      view('open'),
      'withdraw',
    ],
    ['reset() while the fleet is open', d({ state: 'closed', from: 'open' }), view('open'), 'manual'],
    ['isolate()', d({ state: 'isolated' }), view('open'), 'manual'],
    ['release()', d({ state: 'closed', from: 'isolated' }), view('isolated'), 'manual'],
    ['re-publishing a state Redis lost', d({ restoreOpenMs: 100 }), view('closed', 0), 'restore'],
  ] as const)('%s → %s', (_, desired, v, kind) => {
    expect(classifyTransition(desired, v)).toBe(kind);
  });

  it('manual transitions are never skipped, whatever the fleet view (property)', () => {
    const state = fc.constantFrom('closed' as const, 'open' as const, 'isolated' as const);
    fc.assert(
      fc.property(state, fc.nat(), fc.nat(), (v, gen, vg) => {
        const isolate = classifyTransition(d({ state: 'isolated', gen }), view(v, vg));
        const release = classifyTransition(d({ state: 'closed', from: 'isolated', gen }), view(v, vg));
        return isolate === 'manual' && release === 'manual';
      }),
    );
  });
});
