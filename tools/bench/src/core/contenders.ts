/**
 * The three libraries set up identically for each scenario. Same shape everywhere: a breaker that
 * opens after consecutive failures (opossum has no consecutive mode: errorThresholdPercentage 50
 * with volumeThreshold 5), half-open after 30 s; pipeline = retry (3 attempts in total) around the
 * breaker around a 1 s timeout. opossum has no retry policy: its pipeline is the minimal retry loop
 * a user would write around `fire()`, with opossum's own `timeout` option for the timeout.
 */
import type { Policy } from '@breakwater/core';
import {
  ConsecutiveBreaker,
  ExponentialBackoff,
  TimeoutStrategy,
  circuitBreaker as ckBreaker,
  handleAll,
  retry as ckRetry,
  timeout as ckTimeout,
  wrap,
} from 'cockatiel';
import OpossumBreaker from 'opossum';
import type { Core } from './load-core.js';

/** The protected function: resolves at once, like a cached or very fast downstream. */
export const ok = (): Promise<number> => Promise.resolve(1);
const fail = (): Promise<never> => Promise.reject(new Error('down'));
const noop = (): void => {};

/** One contender's three scenario calls. */
export interface Contender {
  readonly name: 'breakwater' | 'cockatiel' | 'opossum';
  breakerOnly(): () => Promise<unknown>;
  pipeline(): () => Promise<unknown>;
  /** A call rejected by an open breaker (the returned function swallows the rejection). */
  rejected(): Promise<() => Promise<unknown>>;
  /** A call rejected through the whole pipeline (retry → open breaker → timeout), rejection swallowed. */
  rejectedPipeline(): Promise<() => Promise<unknown>>;
  /** Makes one breaker for the heap measurement, and how to release it. */
  makeBreaker(i: number): unknown;
  releaseBreaker?(b: unknown): void;
}

async function trip(call: () => Promise<unknown>): Promise<void> {
  for (let i = 0; i < 10; i++) await call().catch(noop);
}

/** Breakwater, from the given build of @breakwater/core. */
export function breakwater(core: Core): Contender {
  const {
    circuitBreaker: bwBreaker,
    consecutiveFailures,
    constantBackoff,
    pipeline,
    retry: bwRetry,
    timeout: bwTimeout,
  } = core;
  return {
    name: 'breakwater',
    breakerOnly() {
      const b = bwBreaker({ name: 'bench', trip: consecutiveFailures(5), halfOpenAfterMs: 30_000 });
      return () => b.execute(ok);
    },
    pipeline() {
      const p: Policy = pipeline(
        bwRetry({ maxAttempts: 3, backoff: constantBackoff(0) }),
        bwBreaker({ name: 'bench-pipeline', trip: consecutiveFailures(5), halfOpenAfterMs: 30_000 }),
        bwTimeout(1000),
      );
      return () => p.execute(ok);
    },
    async rejected() {
      const b = bwBreaker({ name: 'bench-open', trip: consecutiveFailures(5), halfOpenAfterMs: 3_600_000 });
      await trip(() => b.execute(fail));
      if (b.state !== 'open') throw new Error(`breakwater breaker did not open (${b.state})`);
      return () => b.execute(ok).catch(noop);
    },
    async rejectedPipeline() {
      const b = bwBreaker({ name: 'bench-pipeline-open', trip: consecutiveFailures(5), halfOpenAfterMs: 3_600_000 });
      const p: Policy = pipeline(bwRetry({ maxAttempts: 3, backoff: constantBackoff(0) }), b, bwTimeout(1000));
      await trip(() => b.execute(fail));
      if (b.state !== 'open') throw new Error(`breakwater breaker did not open (${b.state})`);
      return () => p.execute(ok).catch(noop);
    },
    makeBreaker: (i) => bwBreaker({ name: `b${i}`, trip: consecutiveFailures(5), halfOpenAfterMs: 30_000 }),
  };
}

export const cockatiel: Contender = {
  name: 'cockatiel',
  breakerOnly() {
    const b = ckBreaker(handleAll, { halfOpenAfter: 30_000, breaker: new ConsecutiveBreaker(5) });
    return () => b.execute(ok);
  },
  pipeline() {
    const p = wrap(
      ckRetry(handleAll, { maxAttempts: 2, backoff: new ExponentialBackoff({ initialDelay: 0, maxDelay: 0 }) }),
      ckBreaker(handleAll, { halfOpenAfter: 30_000, breaker: new ConsecutiveBreaker(5) }),
      ckTimeout(1000, TimeoutStrategy.Cooperative),
    );
    return () => p.execute(ok);
  },
  async rejected() {
    const b = ckBreaker(handleAll, { halfOpenAfter: 3_600_000, breaker: new ConsecutiveBreaker(5) });
    await trip(() => b.execute(fail));
    return () => b.execute(ok).catch(noop);
  },
  async rejectedPipeline() {
    const b = ckBreaker(handleAll, { halfOpenAfter: 3_600_000, breaker: new ConsecutiveBreaker(5) });
    const p = wrap(
      ckRetry(handleAll, { maxAttempts: 2, backoff: new ExponentialBackoff({ initialDelay: 0, maxDelay: 0 }) }),
      b,
      ckTimeout(1000, TimeoutStrategy.Cooperative),
    );
    await trip(() => b.execute(fail));
    return () => p.execute(ok).catch(noop);
  },
  makeBreaker: () => ckBreaker(handleAll, { halfOpenAfter: 30_000, breaker: new ConsecutiveBreaker(5) }),
};

const opened: OpossumBreaker[] = [];
function opossumBreaker<T>(fn: () => Promise<T>, o: OpossumBreaker.Options): OpossumBreaker<[], T> {
  const b = new OpossumBreaker(fn, o);
  opened.push(b as unknown as OpossumBreaker);
  return b;
}

/** Shuts the scenario breakers down (opossum keeps an interval timer per breaker). */
export function closeContenders(): void {
  for (const b of opened.splice(0)) b.shutdown();
}

const opossumOptions = {
  timeout: false as const,
  errorThresholdPercentage: 50,
  volumeThreshold: 5,
  resetTimeout: 30_000,
};

export const opossum: Contender = {
  name: 'opossum',
  breakerOnly() {
    const b = opossumBreaker(ok, opossumOptions);
    return () => b.fire();
  },
  pipeline() {
    const b = opossumBreaker(ok, { ...opossumOptions, timeout: 1000 });
    return async () => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await b.fire();
        } catch (e) {
          if (attempt >= 3) throw e;
        }
      }
    };
  },
  async rejected() {
    const b = opossumBreaker(fail, { ...opossumOptions, resetTimeout: 3_600_000 });
    await trip(() => b.fire());
    if (!b.opened) throw new Error('opossum breaker did not open');
    return () => b.fire().catch(noop);
  },
  async rejectedPipeline() {
    const b = opossumBreaker(fail, { ...opossumOptions, timeout: 1000, resetTimeout: 3_600_000 });
    await trip(() => b.fire());
    if (!b.opened) throw new Error('opossum breaker did not open');
    return async () => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await b.fire();
        } catch (e) {
          if (attempt >= 3) return e;
        }
      }
    };
  },
  makeBreaker: () => new OpossumBreaker(ok, opossumOptions),
  // opossum keeps an interval timer per breaker for its rolling stats.
  releaseBreaker: (b) => (b as OpossumBreaker).shutdown(),
};

/** The three contenders, Breakwater first. */
export function contendersFor(core: Core): readonly Contender[] {
  return [breakwater(core), cockatiel, opossum];
}
