import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.js';
import { IsolatedCircuitError } from '../errors.js';
import { memoryBreakerStore } from '../store/memory-store.js';
import { flush } from '../test-support/breaker.js';
import { circuitBreaker } from './circuit-breaker.js';

describe('isolate() handles are counted', () => {
  it('stays isolated until every handle is released, whichever order', async () => {
    const breaker = circuitBreaker({ name: 'i', clock: new ManualClock() });
    const older = breaker.isolate();
    const newer = breaker.isolate();
    newer.release();
    expect(breaker.state).toBe('isolated');
    await expect(breaker.execute(() => 'x')).rejects.toBeInstanceOf(IsolatedCircuitError);
    older.release();
    expect(breaker.state).toBe('closed');
  });

  it('release() is idempotent per handle: releasing one twice does not release another', () => {
    const breaker = circuitBreaker({ name: 'i', clock: new ManualClock() });
    const a = breaker.isolate();
    const b = breaker.isolate();
    a.release();
    a.release();
    expect(breaker.state).toBe('isolated');
    b.release();
    b.release();
    expect(breaker.state).toBe('closed');
    const changes: string[] = [];
    breaker.on('stateChange', (e) => changes.push(`${e.from}->${e.to}`));
    b.release();
    expect(changes).toEqual([]);
  });

  it('reset() ends the isolation at once and makes outstanding handles inert', () => {
    const breaker = circuitBreaker({ name: 'i', clock: new ManualClock() });
    const a = breaker.isolate();
    breaker.reset();
    expect(breaker.state).toBe('closed');
    const b = breaker.isolate();
    a.release(); // from before the reset: must not count against b
    expect(breaker.state).toBe('isolated');
    b.release();
    expect(breaker.state).toBe('closed');
  });

  it('with a store: a local handle outlives the fleet handles; the fleet is released when its last handle is', async () => {
    const clock = new ManualClock();
    const store = memoryBreakerStore();
    const a = circuitBreaker({ name: 'i', clock, store });
    const b = circuitBreaker({ name: 'i', clock, store });
    const fleet = a.isolate();
    const local = a.isolate({ scope: 'local' });
    await flush();
    expect(b.state).toBe('isolated');
    fleet.release();
    await flush();
    expect(a.state).toBe('isolated');
    expect(b.state).toBe('closed');
    local.release();
    expect(a.state).toBe('closed');
    await store.close();
  });

  it('property: isolated exactly while some handle is unreleased', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constant(-1), fc.nat({ max: 5 })), { maxLength: 40 }), (ops) => {
        const breaker = circuitBreaker({ name: 'p', clock: new ManualClock() });
        const handles: Array<{ release(): void; live: boolean }> = [];
        for (const op of ops) {
          if (op === -1) {
            const h = breaker.isolate();
            handles.push({ release: () => h.release(), live: true });
          } else if (handles.length > 0) {
            const h = handles[op % handles.length]!;
            h.release();
            h.live = false;
          }
          expect(breaker.state).toBe(handles.some((h) => h.live) ? 'isolated' : 'closed');
        }
      }),
      { numRuns: 200 },
    );
  });
});
