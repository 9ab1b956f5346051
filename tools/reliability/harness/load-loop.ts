import { LatencyRecorder } from './latency.js';

/** Per-phase figures of a {@link LoadLoop}. */
export interface PhaseStats {
  calls: number;
  failures: number;
  latency: LatencyRecorder;
  /** A few failure messages, for the report when something failed. */
  samples: string[];
}

/** Closed-loop load: `workers` callers each awaiting `call()` back to back until stopped. */
export interface LoadLoop {
  /** Start recording into a fresh phase (the previous one stays readable). */
  phase(name: string): PhaseStats;
  readonly phases: ReadonlyMap<string, PhaseStats>;
  readonly totalCalls: number;
  readonly totalFailures: number;
  stop(): Promise<void>;
}

export function startLoadLoop(workers: number, call: (worker: number) => Promise<unknown>): LoadLoop {
  const phases = new Map<string, PhaseStats>();
  let current: PhaseStats = { calls: 0, failures: 0, latency: new LatencyRecorder(), samples: [] };
  phases.set('start', current);
  let running = true;
  let totalCalls = 0;
  let totalFailures = 0;
  const loop = async (w: number): Promise<void> => {
    while (running) {
      const p = current;
      const t0 = performance.now();
      try {
        await call(w);
      } catch (e) {
        p.failures += 1;
        totalFailures += 1;
        if (p.samples.length < 5) p.samples.push(e instanceof Error ? `${e.name}: ${e.message}` : String(e));
      }
      p.latency.record(performance.now() - t0);
      p.calls += 1;
      totalCalls += 1;
    }
  };
  const done = Promise.all(Array.from({ length: workers }, (_, w) => loop(w)));
  return {
    phase(name) {
      current = { calls: 0, failures: 0, latency: new LatencyRecorder(), samples: [] };
      phases.set(name, current);
      return current;
    },
    phases,
    get totalCalls() {
      return totalCalls;
    },
    get totalFailures() {
      return totalFailures;
    },
    async stop() {
      running = false;
      await done;
    },
  };
}

/** Polls `cond` every `everyMs` until true; resolves with the elapsed ms, or -1 after `timeoutMs`. */
export async function waitUntil(cond: () => boolean, timeoutMs: number, everyMs = 5): Promise<number> {
  const t0 = performance.now();
  for (;;) {
    if (cond()) return performance.now() - t0;
    if (performance.now() - t0 > timeoutMs) return -1;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Resolves after `ms` real milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
