/**
 * The "realistic case" of bench:core: before anything is timed, each library runs ≥ 20 breakers
 * and ≥ 20 pipelines, one per simulated endpoint, each with its own function (distinct source, so
 * distinct V8 feedback) and its own options, through successes, failures, open rejections,
 * half-open probes and timeouts. This makes the call sites inside the library polymorphic or
 * megamorphic, as they are in a service with one breaker per endpoint; a benchmark that times one
 * breaker with one function in a fresh process measures the monomorphic best case only.
 */
import {
  BrokenCircuitError as CkBroken,
  ConsecutiveBreaker,
  CountBreaker,
  ExponentialBackoff,
  SamplingBreaker,
  TimeoutStrategy,
  bulkhead as ckBulkhead,
  circuitBreaker as ckBreaker,
  fallback as ckFallback,
  handleAll,
  handleWhen,
  retry as ckRetry,
  timeout as ckTimeout,
  wrap,
} from 'cockatiel';
import OpossumBreaker from 'opossum';
import type { Policy } from '@breakwater/core';
import type { Core } from './load-core.js';

/** Endpoints simulated in the warm-up (each gets a breaker and a pipeline). */
export const WARM_ENDPOINTS = 24;
const CALLS_PER_ENDPOINT = 400;
const noop = (): void => {};
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Endpoint functions with distinct source text: sync values, resolved promises, async functions,
 * objects of different shapes, thenables, sync throws and rejections — `fail(i)` decides per call.
 */
function endpointFunctions(): Array<(fail: boolean, i: number) => unknown> {
  const bodies = [
    'if (fail) throw new Error("e0"); return 0;',
    'return fail ? Promise.reject(new Error("e1")) : Promise.resolve({ a: 1 });',
    'return (async () => { if (fail) throw new TypeError("e2"); return "two"; })();',
    'if (fail) return Promise.reject(Object.assign(new Error("e3"), { status: 503 })); return { status: 200, body: [i] };',
    'return fail ? Promise.reject(new RangeError("e4")) : Promise.resolve(i * 4);',
    'return { then(ok, ko) { fail ? ko(new Error("e5")) : ok({ b: "x", c: i }); } };',
    'if (fail) throw Object.assign(new Error("e6"), { code: "ECONNRESET" }); return Promise.resolve([i, i]);',
    'return new Promise((ok, ko) => queueMicrotask(() => fail ? ko(new Error("e7")) : ok(7n)));',
    'return fail ? Promise.reject("string error 8") : Promise.resolve(null);',
    'return (async () => { await null; if (fail) throw new Error("e9"); return { d: true }; })();',
    'if (fail) return Promise.reject({ message: "plain object 10" }); return "ten";',
    'return fail ? Promise.reject(new Error("e11", { cause: i })) : Promise.resolve(new Map([[i, i]]));',
  ];
  const out: Array<(fail: boolean, i: number) => unknown> = [];
  for (let k = 0; k < WARM_ENDPOINTS; k++) {
    // Same body twice gets a distinct comment, hence a distinct function (and feedback vector).
    out.push(
      new Function('fail', 'i', `/* endpoint ${k} */ ${bodies[k % bodies.length]!}`) as (
        fail: boolean,
        i: number,
      ) => unknown,
    );
  }
  return out;
}

/** Failure pattern per endpoint: some healthy, some flaky, some failing in bursts (trips the breakers). */
const failsAt = (k: number, i: number): boolean =>
  k % 4 === 0 ? false : k % 4 === 1 ? i % 7 === 3 : k % 4 === 2 ? i % 50 < 12 : i % 3 === 0;

async function drive(call: (i: number) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < CALLS_PER_ENDPOINT; i++) {
    await call(i).catch(noop);
    if (i % 100 === 99) await sleep(3); // let half-open timers (2 ms) fire: probes, closing, re-opening
  }
}

export async function warmUpBreakwater(core: Core): Promise<void> {
  const {
    circuitBreaker,
    consecutiveFailures,
    failureRate,
    predictive,
    memoryBreakerStore,
    pipeline,
    retry,
    timeout,
    bulkhead,
    fallback,
    constantBackoff,
    exponentialBackoff,
    hedge,
    rateLimit,
  } = core;
  const store = memoryBreakerStore();
  const fns = endpointFunctions();
  const work: Array<Promise<void>> = [];
  for (let k = 0; k < WARM_ENDPOINTS; k++) {
    const trip = [
      () => consecutiveFailures(3 + (k % 5)),
      () => failureRate({ threshold: 0.5, minimumRequests: 10, window: { kind: 'count', size: 20 + k } }),
      () => failureRate({ threshold: 0.4, minimumRequests: 5, window: { kind: 'time', ms: 1000, buckets: 10 } }),
      () => predictive({ warmup: 20 }),
    ][k % 4]!();
    const breaker = circuitBreaker({
      name: `warm-${k}`,
      trip,
      halfOpenAfterMs: 2,
      ...(k % 3 === 0 ? { store } : {}),
      ...(k % 5 === 1 ? { halfOpen: { maxProbes: 2, successesToClose: 2 } } : {}),
      ...(k % 6 === 2 ? { slowCall: { thresholdMs: 50, rateThreshold: 0.8 } } : {}),
      ...(k % 7 === 3
        ? {
            isResultFailure: (r: unknown) =>
              typeof r === 'object' && r !== null && (r as { status?: number }).status === 500,
          }
        : {}),
    });
    const fn = fns[k]!;
    const stages: Policy[] = [
      retry({
        maxAttempts: 2 + (k % 3),
        backoff: k % 2 === 0 ? constantBackoff(0) : exponentialBackoff({ initialMs: 0, maxMs: 0 }),
      }),
      breaker,
      timeout(100 + k),
    ];
    if (k % 4 === 1) stages.unshift(fallback(() => 'fallback'));
    if (k % 4 === 2) stages.push(bulkhead({ maxConcurrent: 4 + k, maxQueue: 2 }));
    if (k % 6 === 3) stages.unshift(rateLimit({ perSecond: 1e6, burst: 1e6 }));
    if (k % 8 === 5) stages.splice(1, 0, hedge({ delayMs: 1_000 }));
    const p = pipeline(...stages);
    const opts = k % 2 === 0 ? undefined : { signal: new AbortController().signal, key: `key-${k}` };
    work.push(drive((i) => breaker.execute(() => fn(failsAt(k, i), i))));
    work.push(
      drive((i) =>
        p.execute(
          (ctx) => (k % 3 === 0 ? (ctx.signal.aborted ? 0 : fn(failsAt(k, i + 1), i)) : fn(failsAt(k, i + 1), i)),
          opts,
        ),
      ),
    );
  }
  await Promise.all(work);
  await store.close();
}

export async function warmUpCockatiel(): Promise<void> {
  const fns = endpointFunctions();
  const work: Array<Promise<void>> = [];
  for (let k = 0; k < WARM_ENDPOINTS; k++) {
    const breaker = ckBreaker(handleAll, {
      halfOpenAfter: 2,
      breaker: [
        () => new ConsecutiveBreaker(3 + (k % 5)),
        () => new CountBreaker({ threshold: 0.5, size: 20 + k, minimumNumberOfCalls: 10 }),
        () => new SamplingBreaker({ threshold: 0.4, duration: 1000, minimumRps: 1 }),
      ][k % 3]!(),
    });
    const fn = fns[k]!;
    const stages = [
      ckRetry(k % 2 === 0 ? handleAll : handleWhen((e) => !(e instanceof CkBroken)), {
        maxAttempts: 1 + (k % 3),
        backoff: new ExponentialBackoff({ initialDelay: 0, maxDelay: 0 }),
      }),
      breaker,
      ckTimeout(100 + k, k % 2 === 0 ? TimeoutStrategy.Cooperative : TimeoutStrategy.Aggressive),
    ];
    if (k % 4 === 1) stages.unshift(ckFallback(handleAll, 'fallback') as never);
    if (k % 4 === 2) stages.push(ckBulkhead(4 + k, 2) as never);
    const p = wrap(...stages);
    work.push(drive((i) => breaker.execute(() => fn(failsAt(k, i), i) as Promise<unknown>)));
    work.push(drive((i) => p.execute(() => fn(failsAt(k, i + 1), i) as Promise<unknown>)));
  }
  await Promise.all(work);
}

export async function warmUpOpossum(): Promise<void> {
  const fns = endpointFunctions();
  const breakers: OpossumBreaker[] = [];
  const work: Array<Promise<void>> = [];
  for (let k = 0; k < WARM_ENDPOINTS; k++) {
    const fn = fns[k]!;
    const b = new OpossumBreaker((fail: boolean, i: number) => Promise.resolve(fn(fail, i)), {
      timeout: k % 2 === 0 ? false : 100 + k,
      errorThresholdPercentage: 30 + k,
      volumeThreshold: 3 + (k % 5),
      resetTimeout: 2,
      ...(k % 3 === 0 ? { rollingCountTimeout: 5000, rollingCountBuckets: 5 } : {}),
      ...(k % 4 === 1 ? { capacity: 10 + k } : {}),
    });
    if (k % 4 === 2) b.fallback(() => 'fallback');
    breakers.push(b as unknown as OpossumBreaker);
    work.push(drive((i) => b.fire(failsAt(k, i), i)));
    work.push(
      drive(async (i) => {
        for (let attempt = 1; ; attempt++) {
          try {
            return await b.fire(failsAt(k, i + attempt), i);
          } catch (e) {
            if (attempt >= 1 + (k % 3)) throw e;
          }
        }
      }),
    );
  }
  await Promise.all(work);
  for (const b of breakers) b.shutdown();
}
