import { describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.js';
import { memoryBreakerStore } from '../store/memory-store.js';
import { boom, flush } from '../test-support/breaker.js';
import { circuitBreaker } from './circuit-breaker.js';
import { consecutiveFailures } from './trip/consecutive-failures.js';

const hang = (): Promise<never> => new Promise<never>(() => {});

function make(clock: ManualClock, extra: Partial<Parameters<typeof circuitBreaker>[0]> = {}) {
  return circuitBreaker({ name: 'svc', trip: consecutiveFailures(1), halfOpenAfterMs: 1_000, clock, ...extra });
}

describe('wouldAdmit()', () => {
  it('follows the state machine without moving it: closed, open, half-open slots, isolated', async () => {
    const clock = new ManualClock();
    const b = make(clock, { halfOpen: { maxProbes: 2, probeTimeoutMs: 500 } });
    expect(b.wouldAdmit()).toBe(true);
    await b.execute(boom).catch(() => undefined);
    expect(b.wouldAdmit()).toBe(false); // open, inside its period
    clock.advance(1_000);
    const moves: string[] = [];
    b.on('stateChange', (e) => moves.push(e.to));
    expect(b.wouldAdmit()).toBe(true);
    expect(moves).toEqual([]); // asking did not move the breaker
    void b.execute(hang);
    expect(b.state).toBe('half-open');
    expect(b.wouldAdmit()).toBe(true); // one of two slots free
    void b.execute(hang);
    expect(b.wouldAdmit()).toBe(false); // both taken
    expect(b.metrics().rejected).toBe(0);
    const iso = b.isolate();
    expect(b.wouldAdmit()).toBe(false);
    iso.release();
    expect(b.wouldAdmit()).toBe(true);
  });

  it('half-open with an expired probe lease: false (admission would fail the round), and nothing changes', () => {
    let now = 0;
    const clock = { now: () => now, setTimeout: () => 0, clearTimeout: () => {} };
    const b = circuitBreaker({
      name: 'svc',
      trip: consecutiveFailures(1),
      halfOpenAfterMs: 1_000,
      clock,
      halfOpen: { maxProbes: 2, probeTimeoutMs: 300 },
    });
    void b.execute(boom).catch(() => undefined);
    now = 1_000;
    void b.execute(hang);
    expect(b.wouldAdmit()).toBe(true);
    now = 1_300;
    expect(b.wouldAdmit()).toBe(false);
    expect(b.state).toBe('half-open');
  });

  it('shadow mode admits everything', async () => {
    const clock = new ManualClock();
    const b = make(clock, { mode: 'shadow' });
    await b.execute(boom).catch(() => undefined);
    expect(b.state).toBe('open');
    expect(b.wouldAdmit()).toBe(true);
  });

  it('with a store: false while another breaker of the fleet holds the probe lease; no lease is taken by asking', async () => {
    const clock = new ManualClock();
    const store = memoryBreakerStore();
    const a = make(clock, { store, halfOpen: { probeTimeoutMs: 5_000 } });
    const b = make(clock, { store, halfOpen: { probeTimeoutMs: 5_000 } });
    await a.execute(boom).catch(() => undefined);
    await flush();
    expect(b.state).toBe('open');
    clock.advance(1_000);
    expect(a.wouldAdmit()).toBe(true);
    expect(b.wouldAdmit()).toBe(true);
    // Asking took nothing: b can still be the one that probes.
    let finish!: (v: string) => void;
    const probe = b.execute(
      () =>
        new Promise<string>((resolve) => {
          finish = resolve;
        }),
    );
    expect(b.state).toBe('half-open');
    expect(a.wouldAdmit()).toBe(false);
    await expect(a.execute(() => 'x')).rejects.toMatchObject({ code: 'BW_CIRCUIT_OPEN' }); // what the balancer avoids
    finish('ok');
    await probe;
    await flush();
    expect(a.state).toBe('closed');
    expect(a.wouldAdmit()).toBe(true);
  });

  it('with a store: a holder that goes away frees the lease for the others', async () => {
    const clock = new ManualClock();
    const store = memoryBreakerStore();
    const a = make(clock, { store, halfOpen: { probeTimeoutMs: 5_000 } });
    const b = make(clock, { store, halfOpen: { probeTimeoutMs: 5_000 } });
    await a.execute(boom).catch(() => undefined);
    await flush();
    clock.advance(1_000);
    void b.execute(hang); // b probes and holds the lease
    expect(a.wouldAdmit()).toBe(false);
    b.dispose(); // ...then goes away: its lease is released with it
    expect(a.wouldAdmit()).toBe(true);
  });
});
