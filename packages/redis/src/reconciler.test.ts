import { describe, expect, it } from 'vitest';
import { ManualClock } from '@breakwater/core';
import { EMPTY_VIEW } from './fleet-view.js';
import type { FleetRecord } from './records.js';
import {
  MAX_ATTEMPTS,
  needsAdopt,
  Reconciler,
  type Effect,
  type ReconcilerEnv,
  type WriteReply,
} from './reconciler.js';

function setup(over: Partial<ReconcilerEnv> = {}) {
  const clock = new ManualClock(10_000);
  const env = { healthy: true, empty: false, quorum: 1, halfOpenAfterMs: 1000, instanceId: 'me', ...over };
  return { clock, env, r: new Reconciler(env, clock) };
}

const rec = (state: FleetRecord['state'], gen: number, o: Partial<FleetRecord> = {}): FleetRecord => ({
  state,
  gen,
  openUntil: state === 'open' ? 5000 : 0,
  reason: 'r',
  at: 0,
  origin: 'other',
  now: 0,
  ...o,
});
const ok = (r: FleetRecord): WriteReply => ({ status: 'ok', now: r.now, extra: '0', record: r });
const conflict = (r: FleetRecord): WriteReply => ({ status: 'conflict', now: r.now, extra: '0', record: r });
const writes = (effects: Effect[]) =>
  effects.filter((e): e is Extract<Effect, { type: 'write' }> => e.type === 'write');
const types = (effects: Effect[]) => effects.map((e) => e.type);

describe('Reconciler: writes', () => {
  it('a local trip becomes one compare-and-set write on the generation seen; the open period counts from the trip', () => {
    const { r, clock } = setup();
    r.fleet(rec('closed', 4), 0);
    clock.advance(0);
    const [w] = writes(r.local({ state: 'open', from: 'closed', reason: 'boom', generation: 5 }));
    expect(w).toMatchObject({
      kind: 'trip',
      expectedGen: 4,
      openMs: 1000,
      desired: { state: 'open', gen: 5, attempts: 0 },
    });
    expect(r.inFlight).toBe(true);
  });

  it('transitions made while a write is in flight collapse to the latest, written after the reply', () => {
    const { r, clock } = setup();
    const [first] = writes(r.local({ state: 'open', from: 'closed', reason: 'a', generation: 1 }));
    clock.advance(300);
    expect(r.local({ state: 'closed', from: 'open', reason: 'b', generation: 2 })).toEqual([]);
    expect(r.local({ state: 'isolated', from: 'closed', reason: 'c', generation: 3 })).toEqual([]);
    const after = r.written(first!.desired, first!.kind, ok(rec('open', 1, { origin: 'me' })));
    expect(types(after)).toEqual(['lease-clear', 'lease-view', 'write']);
    expect(writes(after)[0]).toMatchObject({ kind: 'manual', expectedGen: 1, desired: { state: 'isolated', gen: 3 } });
  });

  it('nothing is written while unhealthy or detached; kick() after recovery writes it with the open period left', () => {
    const { r, env, clock } = setup({ healthy: false });
    expect(r.local({ state: 'open', from: 'closed', reason: 'a', generation: 1 })).toEqual([]);
    clock.advance(400);
    env.healthy = true;
    expect(writes(r.kick())[0]).toMatchObject({ openMs: 600 });
    const d = setup({ empty: true });
    expect(d.r.local({ state: 'open', from: 'closed', reason: 'a', generation: 1 })).toEqual([]);
  });

  it(`a conflict re-applies the local transition against what Redis holds, and yields after ${MAX_ATTEMPTS} attempts`, () => {
    const { r } = setup();
    let [w] = writes(r.local({ state: 'open', from: 'closed', reason: 'a', generation: 1 }));
    for (let attempt = 1; attempt < MAX_ATTEMPTS; attempt++) {
      const next = writes(r.written(w!.desired, w!.kind, conflict(rec('closed', 10 * attempt))));
      expect(next[0]).toMatchObject({ expectedGen: 10 * attempt, desired: { attempts: attempt } });
      w = next[0];
    }
    const last = r.written(w!.desired, w!.kind, conflict(rec('closed', 99)));
    expect(types(last)).toEqual(['lease-view', 'deliver']);
    expect(r.view).toMatchObject({ state: 'closed', gen: 99 });
    expect(r.idle).toBe(true);
  });

  it('a fleet isolation wins over a trip at once; a manual action is re-applied over it', () => {
    const { r } = setup();
    const [w] = writes(r.local({ state: 'open', from: 'closed', reason: 'a', generation: 1 }));
    expect(types(r.written(w!.desired, w!.kind, conflict(rec('isolated', 3))))).toEqual(['lease-view', 'deliver']);
    const [m] = writes(r.local({ state: 'closed', from: 'isolated', reason: 'release', generation: 4 }));
    expect(m).toMatchObject({ kind: 'manual', expectedGen: 3 });
    expect(writes(r.written(m!.desired, m!.kind, conflict(rec('isolated', 5))))[0]).toMatchObject({
      expectedGen: 5,
      desired: { attempts: 1 },
    });
  });

  it('connection trouble keeps the write (retried later while healthy); a data error drops it', () => {
    const { r, env } = setup();
    const [w] = writes(r.local({ state: 'open', from: 'closed', reason: 'a', generation: 1 }));
    env.healthy = false;
    expect(r.writeFailed(w!.desired, false)).toEqual([]);
    expect(r.desired).toBe(w!.desired);
    env.healthy = true;
    const [again] = writes(r.kick());
    expect(types(r.writeFailed(again!.desired, false))).toEqual(['retry-later', 'write']);
    const [third] = writes(r.kick().concat(r.writeFailed(again!.desired, true)));
    expect(third).toBeUndefined();
  });

  it('a recovery while the fleet stays closed withdraws the vote (quorum > 1) and writes nothing', () => {
    const { r } = setup({ quorum: 2 });
    expect(types(r.local({ state: 'closed', from: 'open', reason: 'probe ok', generation: 2 }))).toEqual([
      'withdraw-vote',
      'release-lease',
      'deliver',
    ]);
  });
});

describe('Reconciler: reads, hints and resyncs', () => {
  it('hints coalesce: one read in flight, one more after it, none while unhealthy', () => {
    const { r, env } = setup();
    expect(types(r.hint())).toEqual(['read']);
    expect(r.hint()).toEqual([]);
    expect(r.hint()).toEqual([]);
    expect(types(r.readDone({ record: rec('open', 2), votes: 0 }, [{ state: 'closed', generation: 0 }]))).toEqual([
      'lease-view',
      'deliver',
      'read',
    ]);
    expect(types(r.readDone(undefined, []))).toEqual([]);
    env.healthy = false;
    expect(r.hint()).toEqual([]);
  });

  it('newer records are adopted and delivered; older ones ignored; own records not delivered', () => {
    const { r } = setup();
    expect(types(r.fleet(rec('open', 5), 0))).toEqual(['lease-view', 'deliver']);
    expect(r.fleet(rec('closed', 4), 0)).toEqual([]);
    expect(types(r.fleet(rec('closed', 6, { origin: 'me' }), 0))).toEqual(['lease-view']);
    expect(r.view).toMatchObject({ state: 'closed', gen: 6 });
  });

  it('a resync adopts a renumbered record (operator reset over garbage) and ignores an untrusted one', () => {
    const { r } = setup();
    r.fleet(rec('open', 50), 0);
    expect(r.resynced({ record: 'untrusted' }, [])).toEqual([]);
    expect(types(r.resynced({ record: rec('closed', 3), votes: 0 }, []))).toEqual(['lease-view', 'deliver']);
    expect(r.view).toMatchObject({ state: 'closed', gen: 3 });
  });

  it('a record Redis lost is re-published by a replica whose breaker holds it, for the open period left', () => {
    const { r, clock } = setup();
    r.fleet(rec('open', 7, { openUntil: 3000, now: 1000 }), 0); // open for 2 s from now
    clock.advance(500);
    expect(r.resynced({ record: 'empty', votes: 0 }, [{ state: 'open', generation: 8 }])).toEqual([]);
    expect(r.view).toBe(EMPTY_VIEW);
    expect(writes(r.kick())[0]).toMatchObject({
      kind: 'restore',
      expectedGen: 0,
      openMs: 1500,
      desired: { state: 'open', gen: 8 },
    });
    const lone = setup();
    lone.r.fleet(rec('open', 7), 0);
    expect(lone.r.resynced({ record: 'empty', votes: 0 }, [{ state: 'closed', generation: 8 }])).toEqual([]);
    expect(lone.r.kick()).toEqual([]);
  });

  it('a pending local transition is pushed against what a resync found (no delivery over it)', () => {
    const { r, env } = setup({ healthy: false });
    r.local({ state: 'open', from: 'closed', reason: 'a', generation: 1 });
    expect(r.resynced({ record: rec('closed', 9), votes: 0 }, [])).toEqual([]);
    env.healthy = true;
    expect(writes(r.kick())[0]).toMatchObject({ expectedGen: 9 });
  });
});

describe('needsAdopt', () => {
  const v = { ...EMPTY_VIEW, state: 'open' as const, gen: 5 };
  it.each([
    [EMPTY_VIEW, 'closed', 0, false, false],
    [v, 'closed', 3, false, true],
    [v, 'open', 5, false, false],
    [v, 'open', 4, false, true],
    [v, 'half-open', 9, true, false],
    [v, 'half-open', 9, false, true],
  ] as const)('view %j, member %s gen %d, lease held %s → %s', (view, state, generation, held, want) => {
    expect(needsAdopt(view, { state, generation }, held)).toBe(want);
  });
});
