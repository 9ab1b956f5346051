import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.js';
import { memoryBreakerStore } from '../store/memory-store.js';
import { boom, flush } from '../test-support/breaker.js';
import { circuitBreaker, type CircuitBreakerPolicy } from './circuit-breaker.js';
import { consecutiveFailures } from './trip/consecutive-failures.js';
import type { StateChangeEvent } from './types.js';

const edge = (e: StateChangeEvent): string => `${e.from}->${e.to}`;

async function tripped(
  clock: ManualClock,
  extra: Partial<Parameters<typeof circuitBreaker>[0]> = {},
): Promise<CircuitBreakerPolicy> {
  const breaker = circuitBreaker({ name: 'r', clock, trip: consecutiveFailures(1), halfOpenAfterMs: 1_000, ...extra });
  await breaker.execute(boom).catch(() => undefined);
  return breaker;
}

describe('reads are side-effect free', () => {
  it('a local breaker past its open period reads half-open (state, metrics, wouldAdmit) but transitions only when a call arrives', async () => {
    const clock = new ManualClock(5_000);
    const breaker = await tripped(clock);
    const changes: string[] = [];
    breaker.on('stateChange', (e) => changes.push(edge(e)));
    clock.advance(999);
    expect(breaker.state).toBe('open');
    clock.advance(1);
    for (let i = 0; i < 3; i++) {
      expect(breaker.state).toBe('half-open');
      expect(breaker.metrics()).toMatchObject({ state: 'half-open', stateSince: 6_000, generation: 1 });
      expect(breaker.wouldAdmit()).toBe(true);
    }
    expect(changes).toEqual([]);
    expect(breaker.generation).toBe(1);
    await breaker.execute(() => 'ok');
    expect(changes).toEqual(['open->half-open', 'half-open->closed']);
  });

  it('with a store it reads open until a call is admitted as the fleet probe', async () => {
    const clock = new ManualClock(5_000);
    const store = memoryBreakerStore();
    const breaker = await tripped(clock, { store });
    clock.advance(1_000);
    expect(breaker.state).toBe('open');
    expect(breaker.metrics().state).toBe('open');
    expect(store.stateOf('r')).toMatchObject({ state: 'open', generation: 1 });
    await breaker.execute(() => 'ok');
    expect(breaker.state).toBe('closed');
    await store.close();
  });
});

describe('event delivery is re-entrancy safe', () => {
  it('a listener reading metrics() does not reorder what other listeners see', async () => {
    const clock = new ManualClock();
    const breaker = circuitBreaker({ name: 'r', clock, trip: consecutiveFailures(1), halfOpenAfterMs: 1_000 });
    const second: string[] = [];
    breaker.on('stateChange', () => {
      breaker.metrics();
      void breaker.state;
    });
    breaker.on('stateChange', (e) => second.push(edge(e)));
    await breaker.execute(boom).catch(() => undefined);
    clock.advance(1_000); // due: a logger reading metrics in the closed->open listener must not transition
    await breaker.execute(() => 'ok');
    expect(second).toEqual(['closed->open', 'open->half-open', 'half-open->closed']);
  });

  it('a listener calling reset() or isolate() mid-delivery: every listener sees the transitions in order', async () => {
    const clock = new ManualClock();
    const breaker = circuitBreaker({ name: 'r', clock, trip: consecutiveFailures(1) });
    const seen: string[][] = [[], [], []];
    let handle: { release(): void } | undefined;
    breaker.on('stateChange', (e) => {
      seen[0]!.push(edge(e));
      if (e.to === 'open') breaker.reset();
      else if (e.reason === 'reset') handle = breaker.isolate();
    });
    breaker.on('stateChange', (e) => {
      seen[1]!.push(edge(e));
      throw new Error('a throwing listener affects nobody');
    });
    breaker.on('stateChange', (e) => seen[2]!.push(edge(e)));
    await expect(breaker.execute(boom)).rejects.toThrow('boom');
    const expected = ['closed->open', 'open->closed', 'closed->isolated'];
    expect(seen).toEqual([expected, expected, expected]);
    expect(breaker.state).toBe('isolated');
    handle!.release();
    expect(breaker.state).toBe('closed');
    await flush();
  });

  it('property: with listeners that reset, isolate, release and read at random, every listener sees one identical, gap-free sequence', async () => {
    type Action = 'reset' | 'isolate' | 'release' | 'read' | 'throw' | 'none';
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom<Action>('reset', 'isolate', 'release', 'read', 'throw', 'none'), {
          minLength: 2,
          maxLength: 4,
        }),
        fc.array(fc.constantFrom('ok', 'fail', 'advance'), { maxLength: 30 }),
        async (actions, steps) => {
          const clock = new ManualClock();
          const breaker = circuitBreaker({ name: 'p', clock, trip: consecutiveFailures(2), halfOpenAfterMs: 100 });
          const logs: string[][] = actions.map(() => []);
          const handles: Array<{ release(): void }> = [];
          let budget = 50; // bounds listener-driven transitions (a reset listener answering every open, ...)
          actions.forEach((action, i) =>
            breaker.on('stateChange', (e) => {
              logs[i]!.push(`${e.generation}:${edge(e)}`);
              if (budget-- <= 0) return;
              if (action === 'reset' && e.to === 'open') breaker.reset();
              else if (action === 'isolate' && e.to === 'half-open') handles.push(breaker.isolate({ scope: 'local' }));
              else if (action === 'release' && e.to === 'isolated') handles.pop()?.release();
              else if (action === 'read') void breaker.metrics();
              else if (action === 'throw') throw new Error('listener');
            }),
          );
          for (const step of steps) {
            if (step === 'advance') clock.advance(100);
            else await breaker.execute(step === 'ok' ? () => 'ok' : boom).catch(() => undefined);
          }
          for (const log of logs) expect(log).toEqual(logs[0]);
          // Gap-free and ordered: generations 1, 2, 3, ... and each event starts where the previous ended.
          const events = logs[0]!.map((l) => l.split(':'));
          events.forEach(([g], i) => expect(Number(g)).toBe(i + 1));
          for (let i = 1; i < events.length; i++)
            expect(events[i]![1]!.split('->')[0]).toBe(events[i - 1]![1]!.split('->')[1]);
        },
      ),
      { numRuns: 150 },
    );
  });
});
