import { ManualClock, TimeoutError, type Policy } from '@breakwater/core';
import { seededRandom } from '@breakwater/testkit';

/**
 * Discrete-event simulation of open-loop traffic through a REAL Breakwater policy (a bulkhead, an
 * adaptive limiter, or nothing) to a simulated upstream with a capacity knee, in virtual time.
 *
 * Why simulated time and not real timers: the run is deterministic (seeded; same figures on a
 * loaded 2-core machine as on an idle one), 30 virtual seconds take a few real seconds, and the
 * latencies measured are the upstream's, not the event loop's scheduling delays — with real
 * timers at 6 000 calls/s a shared machine would add milliseconds of jitter to a 10 ms service.
 * The policies read the ManualClock; the simulation advances it to each event and flushes
 * microtasks, so a policy sees every completion at its exact virtual time.
 */
export interface SimOptions {
  /** The policy under test, reading the simulation's clock. */
  policy: (clock: ManualClock) => Policy;
  /** Open-loop Poisson arrivals per virtual second. */
  ratePerSec: number;
  durationMs: number;
  /** Upstream concurrency before / after `capacityChangeAtMs`. */
  capacity: number;
  capacityAfter: number;
  capacityChangeAtMs: number;
  /** Service time of one request when it has a worker: serviceMs × (1 ± jitter), uniform. */
  serviceMs: number;
  jitter: number;
  /** The client gives up after this (TimeoutError to the policy); the upstream still does the work. */
  clientTimeoutMs: number;
  seed: number;
}

/** One call that completed in time: when and how long it took (virtual ms). */
export interface Completion {
  at: number;
  latencyMs: number;
}

export interface SimResult {
  completions: Completion[];
  rejected: number;
  timedOut: number;
  offered: number;
  /** (virtual ms, limit) each time an adaptive limiter's limit changed. */
  limitTrace: Array<[number, number]>;
}

interface SimEvent {
  at: number;
  seq: number;
  run: () => void;
}

/** A binary min-heap of events on (time, insertion order). */
class EventQueue {
  private readonly heap: SimEvent[] = [];
  private seq = 0;
  get size(): number {
    return this.heap.length;
  }
  push(at: number, run: () => void): void {
    const h = this.heap;
    const e = { at, seq: this.seq++, run };
    let i = h.push(e) - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(e, h[p]!)) break;
      h[i] = h[p]!;
      i = p;
    }
    h[i] = e;
  }
  pop(): SimEvent {
    const h = this.heap;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= h.length) break;
        const c = l + 1 < h.length && before(h[l + 1]!, h[l]!) ? l + 1 : l;
        if (!before(h[c]!, last)) break;
        h[i] = h[c]!;
        i = c;
      }
      h[i] = last;
    }
    return top;
  }
}
const before = (a: SimEvent, b: SimEvent): boolean => a.at < b.at || (a.at === b.at && a.seq < b.seq);

export async function simulate(o: SimOptions): Promise<SimResult> {
  const clock = new ManualClock(0);
  const policy = o.policy(clock);
  const rnd = seededRandom(o.seed);
  const events = new EventQueue();
  const result: SimResult = { completions: [], rejected: 0, timedOut: 0, offered: 0, limitTrace: [] };
  const traced = policy as Partial<{ on(e: 'limitChange', fn: (e: { to: number; at: number }) => void): () => void }>;
  traced.on?.('limitChange', (e) => result.limitTrace.push([e.at, e.to]));

  let busy = 0;
  // FIFO of requests waiting for a worker (an array with a moving head: shift() is O(n) and the
  // queue reaches tens of thousands without a limiter).
  const waiting: Array<(() => void) | undefined> = [];
  let head = 0;
  const capacityAt = (t: number): number => (t < o.capacityChangeAtMs ? o.capacity : o.capacityAfter);
  const startNext = (): void => {
    while (busy < capacityAt(clock.now()) && head < waiting.length) {
      const begin = waiting[head]!;
      waiting[head++] = undefined;
      begin();
    }
  };

  /** One request as the upstream sees it: served when a worker is free, answered after its service time. */
  const upstream = (arrivedAt: number): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      let done = false;
      const begin = (): void => {
        busy++;
        events.push(clock.now() + o.serviceMs * (1 + o.jitter * (2 * rnd() - 1)), () => {
          busy--;
          startNext();
          if (done) return; // the client gave up long ago: wasted work
          done = true;
          result.completions.push({ at: clock.now(), latencyMs: clock.now() - arrivedAt });
          resolve();
        });
      };
      events.push(clock.now() + o.clientTimeoutMs, () => {
        if (done) return;
        done = true;
        result.timedOut++;
        reject(new TimeoutError(o.clientTimeoutMs));
      });
      if (busy < capacityAt(clock.now())) begin();
      else waiting.push(begin);
    });

  const onRejected = (): void => {
    result.rejected++;
  };
  const ignore = (): void => {};
  const arrive = (): void => {
    result.offered++;
    const arrivedAt = clock.now();
    policy
      .execute(() => upstream(arrivedAt))
      .then(ignore, (e: unknown) => {
        if (!(e instanceof TimeoutError)) onRejected();
      });
    const next = clock.now() - Math.log(1 - rnd()) * (1000 / o.ratePerSec);
    if (next < o.durationMs) events.push(next, arrive);
  };
  events.push(0, arrive);
  events.push(o.capacityChangeAtMs, startNext); // more workers may be free after the change (capacity up)

  const endAt = o.durationMs + o.clientTimeoutMs;
  while (events.size > 0) {
    const e = events.pop();
    if (e.at > endAt) break; // every call offered has completed or timed out by now
    if (e.at > clock.now()) clock.advance(e.at - clock.now());
    e.run();
    // Let the policy see this event at this instant (completion → policy bookkeeping is a few promise hops).
    for (let i = 0; i < 4; i++) await Promise.resolve();
  }
  return result;
}
