import type { AttemptContext } from '@breakwater/core';
import { seededRandom } from '@breakwater/testkit';

/** Error thrown by the fake upstream (so tests can tell upstream failures from policy rejections). */
export class UpstreamError extends Error {
  constructor(readonly endpoint: string | undefined) {
    super(`upstream failure${endpoint === undefined ? '' : ` at ${endpoint}`}`);
    this.name = 'UpstreamError';
  }
}

/** Tallies of what the fake upstream did. */
export interface UpstreamTally {
  invocations: number;
  successes: number;
  failures: number;
  aborted: number;
  /** Timers currently pending (should return to 0). */
  pendingTimers: number;
}

/** Options for {@link fakeUpstream}. */
export interface FakeUpstreamOptions {
  seed: number;
  /** Probability of a failure per call, by endpoint id (`default` for the rest). */
  failureRate: Record<string, number>;
  /** Share of calls that wait on a real timer (the rest settle on a microtask). */
  timerShare: number;
  /** Timer latencies are uniform in 0..maxLatencyMs. */
  maxLatencyMs: number;
}

/**
 * An in-process upstream: each call succeeds or throws at random, after a microtask or a tiny real
 * timer. Timer-backed calls honour `ctx.signal` (clear the timer, reject with the reason) and remove
 * their abort listener when they settle, as a well-behaved transport would.
 */
export function fakeUpstream(o: FakeUpstreamOptions): {
  call: (ctx: AttemptContext) => Promise<string>;
  tally: UpstreamTally;
} {
  const random = seededRandom(o.seed);
  const tally: UpstreamTally = { invocations: 0, successes: 0, failures: 0, aborted: 0, pendingTimers: 0 };
  const fallbackRate = o.failureRate['default'] ?? 0;
  const call = (ctx: AttemptContext): Promise<string> => {
    tally.invocations += 1;
    const id = ctx.endpoint?.id;
    const fail = random() < (id === undefined ? fallbackRate : (o.failureRate[id] ?? fallbackRate));
    const settle = (resolve: (v: string) => void, reject: (e: unknown) => void): void => {
      if (fail) {
        tally.failures += 1;
        reject(new UpstreamError(id));
      } else {
        tally.successes += 1;
        resolve('ok');
      }
    };
    if (random() >= o.timerShare) {
      return new Promise<string>((resolve, reject) => queueMicrotask(() => settle(resolve, reject)));
    }
    const delay = Math.floor(random() * (o.maxLatencyMs + 1));
    const signal = ctx.signal;
    return new Promise<string>((resolve, reject) => {
      if (signal.aborted) {
        tally.aborted += 1;
        reject(signal.reason);
        return;
      }
      tally.pendingTimers += 1;
      const onAbort = (): void => {
        clearTimeout(timer);
        tally.pendingTimers -= 1;
        tally.aborted += 1;
        reject(signal.reason);
      };
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        tally.pendingTimers -= 1;
        settle(resolve, reject);
      }, delay);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  };
  return { call, tally };
}
