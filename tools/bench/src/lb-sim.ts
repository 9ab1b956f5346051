import { ManualClock, loadBalancer, type LoadBalancer, type Strategy } from '@breakwater/core';
import { seededRandom } from '@breakwater/testkit';

/** One simulated endpoint: `workers` parallel slots and a FIFO queue; service time × `slowdown`. */
interface SimServer {
  busy: number;
  queue: Array<() => void>;
  slowdown: number;
  failing: boolean;
}

/** Settings of one discrete-event run. */
export interface SimOptions {
  strategy: () => Strategy;
  endpoints: number;
  workersPerEndpoint: number;
  /** Open-loop Poisson arrival rate, per second of virtual time. */
  ratePerSec: number;
  durationMs: number;
  /** Median service time (lognormal, sigma 0.4). */
  medianServiceMs: number;
  /** Index of an endpoint that is `slowFactor`× slower (or -1). */
  slowIndex: number;
  slowFactor: number;
  /** Index of an endpoint that answers every call with a fast failure (1 ms 503), or -1. */
  failingIndex: number;
  seed: number;
  outlierDetection?: boolean;
}

/** What one run measured (latencies of completed calls, virtual ms). */
export interface SimResult {
  p50: number;
  p99: number;
  p999: number;
  calls: number;
  errors: number;
  errorsBeforeFirstEjection: number;
  slowShare: number;
}

/**
 * Discrete-event simulation of open-loop traffic through the REAL balancer and strategy: virtual
 * time is a ManualClock the balancer reads; arrivals and completions come from a seeded event
 * queue; each call goes through `lb.execute()`, whose function returns a promise the simulation
 * resolves at the call's completion time. Microtasks are flushed after every event so the balancer
 * records each completion at the right virtual time.
 */
export async function simulate(o: SimOptions): Promise<SimResult> {
  const clock = new ManualClock(0);
  const rnd = seededRandom(o.seed);
  const lb: LoadBalancer = loadBalancer({
    endpoints: Array.from({ length: o.endpoints }, (_, i) => ({ id: `e${i}`, url: `http://e${i}` })),
    strategy: o.strategy(),
    clock,
    random: seededRandom(o.seed ^ 0x5bd1e995),
    ...(o.outlierDetection === true ? { outlierDetection: { consecutiveFailures: 5, baseEjectionMs: 30_000 } } : {}),
  });
  const servers: SimServer[] = Array.from({ length: o.endpoints }, (_, i) => ({
    busy: 0,
    queue: [],
    slowdown: i === o.slowIndex ? o.slowFactor : 1,
    failing: i === o.failingIndex,
  }));
  let ejected = false;
  let errors = 0;
  let errorsBeforeFirstEjection = 0;
  lb.on('ejection', (e) => {
    if (e.ejected) ejected = true;
  });
  lb.on('request', (e) => {
    if (!e.success && !ejected) errorsBeforeFirstEjection++;
  });

  // Event queue: a binary heap on time would be faster; arrivals are generated lazily, so the
  // pending set stays small (in-flight completions) and a sorted insert is enough.
  const events: Array<{ at: number; run: () => void }> = [];
  const schedule = (at: number, run: () => void): void => {
    let i = events.length;
    events.push({ at, run });
    while (i > 0 && events[i - 1]!.at > at) {
      events[i] = events[i - 1]!;
      i--;
    }
    events[i] = { at, run };
  };
  const service = (slowdown: number): number => o.medianServiceMs * slowdown * Math.exp(0.4 * gaussian(rnd));

  const latencies: number[] = [];
  let slowCalls = 0;
  const startCall = (): void => {
    const arrived = clock.now();
    void lb
      .execute((ep) => {
        const idx = Number(ep.id.slice(1));
        const s = servers[idx]!;
        if (idx === o.slowIndex) slowCalls++;
        return new Promise<void>((resolve, reject) => {
          if (s.failing) {
            schedule(clock.now() + 1, () => reject(Object.assign(new Error('503'), { status: 503 })));
            return;
          }
          const begin = (): void => {
            s.busy++;
            schedule(clock.now() + service(s.slowdown), () => {
              s.busy--;
              s.queue.shift()?.();
              resolve();
            });
          };
          if (s.busy < o.workersPerEndpoint) begin();
          else s.queue.push(begin);
        });
      })
      .then(
        () => {
          latencies.push(clock.now() - arrived);
        },
        () => {
          errors++;
        },
      );
  };
  const nextArrival = (): void => {
    const gap = -Math.log(1 - rnd()) * (1000 / o.ratePerSec);
    const at = clock.now() + gap;
    if (at < o.durationMs)
      schedule(at, () => {
        startCall();
        nextArrival();
      });
  };
  nextArrival();
  while (events.length > 0) {
    const e = events.shift()!;
    clock.advance(Math.max(0, e.at - clock.now()));
    e.run();
    for (let i = 0; i < 8; i++) await Promise.resolve(); // let the balancer see the completion at this instant
  }
  await new Promise((r) => setImmediate(r));
  await lb.close();
  latencies.sort((a, b) => a - b);
  const q = (p: number): number => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN;
  return {
    p50: q(0.5),
    p99: q(0.99),
    p999: q(0.999),
    calls: latencies.length + errors,
    errors,
    errorsBeforeFirstEjection,
    slowShare: slowCalls / Math.max(1, latencies.length + errors),
  };
}

/** Standard normal from a uniform source (Box–Muller). */
function gaussian(rnd: () => number): number {
  const u = 1 - rnd();
  const v = rnd();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}
