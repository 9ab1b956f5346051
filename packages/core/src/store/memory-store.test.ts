import { describe, expect, expectTypeOf, it, vi } from 'vitest';
import { circuitBreaker } from '../breaker/circuit-breaker.js';
import { consecutiveFailures } from '../breaker/trip/consecutive-failures.js';
import type { StateChangeEvent } from '../breaker/types.js';
import { ManualClock } from '../clock.js';
import { BrokenCircuitError, ClosedError, IsolatedCircuitError } from '../errors.js';
import { memoryBreakerStore, type MemoryBreakerStore } from './memory-store.js';
import type {
  BreakerParticipant,
  BreakerStore,
  ParticipantCallbacks,
  ParticipantView,
  SharedBreakerState,
} from './types.js';

const boom = (): never => {
  throw new Error('boom');
};
const tick = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

function fleet(n = 2) {
  const clock = new ManualClock(10_000);
  const store = memoryBreakerStore();
  const breakers = Array.from({ length: n }, () =>
    circuitBreaker({
      name: 'orders',
      trip: consecutiveFailures(2),
      halfOpenAfterMs: 1_000,
      halfOpen: { probeTimeoutMs: 500 },
      clock,
      store,
    }),
  );
  const events: StateChangeEvent[][] = breakers.map(() => []);
  breakers.forEach((b, i) => b.on('stateChange', (e) => events[i]!.push(e)));
  return { clock, store, breakers, events };
}

describe('memoryBreakerStore', () => {
  it('a trip on one breaker is adopted by the others with remote: true', async () => {
    const {
      breakers: [a, b],
      events,
      store,
    } = fleet();
    await expect(a!.execute(boom)).rejects.toThrow();
    await expect(a!.execute(boom)).rejects.toThrow();
    expect(a!.state).toBe('open');
    await tick();
    expect(b!.state).toBe('open');
    expect(events[1]).toMatchObject([
      { from: 'closed', to: 'open', remote: true, reason: '2 consecutive failures', generation: 1 },
    ]);
    expect(events[0]).toMatchObject([{ remote: false }]);
    await expect(b!.execute(() => 'x')).rejects.toBeInstanceOf(BrokenCircuitError);
    expect(store.stateOf('orders')).toMatchObject({ state: 'open', generation: 1, openUntil: 11_000 });
  });

  it('only one breaker probes; its verdict is adopted by the rest', async () => {
    const {
      breakers: [a, b],
      clock,
      events,
    } = fleet();
    await a!.execute(boom).catch(() => {});
    await a!.execute(boom).catch(() => {});
    await tick();
    clock.advance(1_000);
    let release!: (v: string) => void;
    const probe = a!.execute(
      () =>
        new Promise<string>((r) => {
          release = r;
        }),
    );
    expect(a!.state).toBe('half-open');
    const fn = vi.fn(() => 'x');
    await expect(b!.execute(fn)).rejects.toBeInstanceOf(BrokenCircuitError);
    expect(fn).not.toHaveBeenCalled();
    expect(b!.state).toBe('open');
    release('ok');
    await probe;
    expect(a!.state).toBe('closed');
    await tick();
    expect(b!.state).toBe('closed');
    expect(events[1]!.map((e) => `${e.from}>${e.to}:${e.remote}`)).toEqual(['closed>open:true', 'open>closed:true']);
    await expect(b!.execute(fn)).resolves.toBe('x');
  });

  it('a failed probe re-opens the fleet with the new open period', async () => {
    const {
      breakers: [a, b],
      clock,
    } = fleet();
    await a!.execute(boom).catch(() => {});
    await a!.execute(boom).catch(() => {});
    await tick();
    clock.advance(1_000);
    await expect(a!.execute(boom)).rejects.toThrow('boom');
    await tick();
    expect(a!.state).toBe('open');
    clock.advance(999);
    await expect(b!.execute(() => 'x')).rejects.toBeInstanceOf(BrokenCircuitError); // new openUntil adopted
    clock.advance(1);
    await expect(b!.execute(() => 'x')).resolves.toBe('x'); // b may take the lease now
    await tick();
    expect(a!.state).toBe('closed');
  });

  it('a probe holder that disposes mid-probe frees the lease', async () => {
    const {
      breakers: [a, b],
      clock,
    } = fleet();
    await a!.execute(boom).catch(() => {});
    await a!.execute(boom).catch(() => {});
    await tick();
    clock.advance(1_000);
    void a!.execute(() => new Promise<never>(() => {}));
    expect(a!.state).toBe('half-open');
    a!.dispose();
    await expect(b!.execute(() => 'x')).resolves.toBe('x');
  });

  it('isolate() is fleet-wide by default and release() closes everyone', async () => {
    const {
      breakers: [a, b],
    } = fleet();
    const h = a!.isolate();
    await tick();
    expect(b!.state).toBe('isolated');
    await expect(b!.execute(() => 'x')).rejects.toBeInstanceOf(IsolatedCircuitError);
    h.release();
    await tick();
    expect(a!.state).toBe('closed');
    expect(b!.state).toBe('closed');
  });

  it("isolate({ scope: 'local' }) stays on one replica and survives fleet changes", async () => {
    const {
      breakers: [a, b, c],
    } = fleet(3);
    const h = a!.isolate({ scope: 'local' });
    await tick();
    expect(b!.state).toBe('closed');
    await b!.execute(boom).catch(() => {});
    await b!.execute(boom).catch(() => {});
    await tick();
    expect(c!.state).toBe('open');
    expect(a!.state).toBe('isolated');
    h.release();
    expect(a!.state).toBe('closed');
    // a still follows the fleet afterwards: its local transitions did not consume fleet generations
    b!.reset();
    await tick();
    b!.isolate();
    await tick();
    expect(a!.state).toBe('isolated');
  });

  it('reset() acts fleet-wide', async () => {
    const {
      breakers: [a, b],
    } = fleet();
    await a!.execute(boom).catch(() => {});
    await a!.execute(boom).catch(() => {});
    await tick();
    b!.reset();
    await tick();
    expect(a!.state).toBe('closed');
  });

  it('concurrent transitions converge on the last writer', async () => {
    const {
      breakers: [a, b],
      store,
    } = fleet();
    a!.isolate({ scope: 'fleet' });
    b!.isolate({ scope: 'fleet' }); // same generation published twice before delivery
    await tick();
    expect(store.stateOf('orders')!.generation).toBe(2);
    expect(a!.state).toBe('isolated');
    expect(b!.state).toBe('isolated');
    expect(a!.metrics().generation).toBe(2);
    expect(b!.metrics().generation).toBe(2);
  });

  it('a breaker attached later adopts the current fleet state', async () => {
    const {
      breakers: [a],
      store,
      clock,
    } = fleet(1);
    await a!.execute(boom).catch(() => {});
    await a!.execute(boom).catch(() => {});
    const late = circuitBreaker({ name: 'orders', clock, store });
    await tick();
    expect(late.state).toBe('open');
  });

  it('breakers with different names are independent; detach drops state; close detaches all', async () => {
    const store = memoryBreakerStore();
    const clock = new ManualClock();
    const a = circuitBreaker({ name: 'a', trip: consecutiveFailures(1), clock, store });
    const b = circuitBreaker({ name: 'b', clock, store });
    await a.execute(boom).catch(() => {});
    await tick();
    expect(b.state).toBe('closed');
    expect(store.members('a')).toBe(1);
    a.dispose();
    expect(store.members('a')).toBe(0);
    expect(store.stateOf('a')).toBeUndefined();
    await store.close();
    expect(store.members('b')).toBe(0);
    expect(() => circuitBreaker({ name: 'b', trip: consecutiveFailures(1), clock, store })).toThrow(ClosedError);
    await b.execute(boom).catch(() => {});
    expect(b.state).toBe('closed'); // a breaker that was attached carries on locally
    expect(b.metrics().failures).toBe(1);
  });
});

describe('memoryBreakerStore() surface', () => {
  it('returns the MemoryBreakerStore interface; the class stays out of both entry points', async () => {
    const store = memoryBreakerStore();
    expectTypeOf(store).toEqualTypeOf<MemoryBreakerStore>();
    expectTypeOf(store).toMatchTypeOf<BreakerStore>();
    const root: Record<string, unknown> = await import('../index.js');
    const internal: Record<string, unknown> = await import('../internal.js');
    expect(Object.keys(root)).not.toContain('MemoryBreakerStore');
    expect(Object.keys(internal)).not.toContain('MemoryBreakerStore');
    expect(typeof store.stateOf).toBe('function');
    expect(store.members('none')).toBe(0);
    await store.close();
  });
});

describe('the participant a store sees', () => {
  it('is a read side and a callback side; the memory store reads it and only ever calls adopt', async () => {
    expectTypeOf<BreakerParticipant>().toMatchTypeOf<ParticipantView>();
    expectTypeOf<BreakerParticipant>().toMatchTypeOf<ParticipantCallbacks>();
    expectTypeOf<keyof ParticipantView>().toEqualTypeOf<
      'name' | 'halfOpenAfterMs' | 'clock' | 'probeTimeoutMs' | 'snapshot'
    >();
    expectTypeOf<keyof ParticipantCallbacks>().toEqualTypeOf<'adopt' | 'probeGranted' | 'shouldTrip'>();
    const clock = new ManualClock(1_000);
    const adopted: SharedBreakerState[] = [];
    const participant = (snapshot: SharedBreakerState): BreakerParticipant => ({
      name: 'raw',
      halfOpenAfterMs: 500,
      clock,
      snapshot: () => snapshot,
      adopt: (s) => adopted.push(s),
      probeGranted: () => expect.unreachable('the memory store decides the lease in-process'),
      shouldTrip: () => expect.unreachable('the memory store has no aggregate mode'),
    });
    const closed: SharedBreakerState = { state: 'closed', generation: 0, openUntil: 0, reason: '', at: 0, origin: '' };
    const store = memoryBreakerStore();
    const a = store.attach(participant(closed));
    store.attach(participant({ ...closed, state: 'half-open' }));
    a.publish({ ...closed, state: 'open', generation: 1, openUntil: 1_500 }, 'closed');
    await tick();
    expect(adopted).toMatchObject([{ state: 'open', generation: 1 }]);
    expect(a.requestProbe()).toBe(true);
    expect(a.probeAvailable?.()).toBe(true);
    await store.close();
  });
});
