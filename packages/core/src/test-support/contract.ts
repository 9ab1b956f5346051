/**
 * Helpers of the API contract tests (src/api-contract*.test.ts). They use only the package root,
 * like the tests themselves: what they exercise is the public API.
 */
import type { BreakerState, CircuitBreaker, Endpoint, LoadBalancer, ManualClock } from '@breakwater/core';
import { seededRandom } from '@breakwater/core/internal';

/** Lets pending promise reactions and microtasks run. */
export const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

export const boom = (): never => {
  throw new Error('boom');
};
export const ok = (): string => 'ok';

/** `n` failed calls through `b` (errors swallowed). */
export async function fail(b: CircuitBreaker, n = 1): Promise<void> {
  for (let i = 0; i < n; i++) await b.execute(boom).catch(() => undefined);
}

/** `n` successful calls through `b`. */
export async function succeed(b: CircuitBreaker, n = 1): Promise<void> {
  for (let i = 0; i < n; i++) await b.execute(ok);
}

/** Records `b`'s stateChange events. */
export function recorder(b: CircuitBreaker) {
  const changes: Array<{ name: string; from: BreakerState; to: BreakerState; reason: string; at: number; remote: boolean }> = [];
  b.on('stateChange', (e) => changes.push(e));
  return changes;
}

/** Runs `p` to completion, advancing the manual clock through every retry delay. */
export async function drive<T>(clock: ManualClock, p: Promise<T>, stepMs = 10, maxSteps = 10_000): Promise<T> {
  let done = false;
  p.then(
    () => {
      done = true;
    },
    () => {
      done = true;
    },
  );
  for (let i = 0; i < maxSteps && !done; i++) {
    await flush();
    if (!done) clock.advance(stepMs);
  }
  return p;
}

/** Deterministic uniform [0, 1) (mulberry32): the balancer's own seeded generator. */
export const seeded = seededRandom;

export const ep = (id: string, extra: Partial<Endpoint> = {}): Endpoint => ({ id, url: `http://${id}.test:8080`, ...extra });

/** Ids of `n` picks. */
export function picks(lb: LoadBalancer, n: number, key?: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(lb.pick(key === undefined ? undefined : { key }).id);
  return out;
}

export function counts(ids: string[]): Record<string, number> {
  const c: Record<string, number> = {};
  for (const id of ids) c[id] = (c[id] ?? 0) + 1;
  return c;
}

/** What `f` throws or rejects with (fails the test when it does neither). */
export async function errorOf(f: () => unknown): Promise<unknown> {
  try {
    await f();
  } catch (e) {
    return e;
  }
  throw new Error('expected an error');
}

/** `times` calls through `lb`; those that land on `id` fail. */
export async function failOn(lb: LoadBalancer, id: string, times: number): Promise<void> {
  for (let i = 0; i < times; i++) {
    await lb
      .execute((e) => {
        if (e.id === id) throw new Error(`${id} down`);
        return e.id;
      })
      .catch(() => undefined);
  }
}
