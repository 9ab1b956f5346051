import type { Clock } from '../../clock.js';
import { isLocalResourceError } from '../../local-resource-error.js';
import type { Endpoint } from '../types.js';

/** Resolved active health-check settings. */
export interface ActiveCheckSettings {
  intervalMs: number;
  timeoutMs: number;
  healthyThreshold: number;
  unhealthyThreshold: number;
  jitterMs: number;
  check: (endpoint: Endpoint, signal: AbortSignal) => Promise<boolean>;
}

/** What the checker reports: the endpoint crossed a rise/fall threshold. */
export type HealthListener = (id: string, healthy: boolean, reason: string) => void;

interface Target {
  endpoint: Endpoint;
  healthy: boolean;
  successes: number;
  failures: number;
  timer: unknown;
  running: AbortController | undefined;
  stopped: boolean;
}

/**
 * Active health checks, one loop per endpoint: wait (interval + random jitter), run the check
 * with a timeout, apply rise/fall thresholds, schedule the next. The next check is scheduled only
 * after the previous one settled, so checks of one endpoint never overlap. Timers come from the
 * injected clock (ManualClock drives them in tests); real timers are unref'd so checks never keep
 * a process alive.
 */
export class ActiveHealthChecker {
  private readonly targets = new Map<string, Target>();
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly settings: ActiveCheckSettings;
  private readonly listener: HealthListener;

  constructor(settings: ActiveCheckSettings, clock: Clock, random: () => number, listener: HealthListener) {
    this.settings = settings;
    this.clock = clock;
    this.random = random;
    this.listener = listener;
  }

  /** Starts checking `endpoint` (first check after a random share of the jitter), or adopts a redefinition. */
  add(endpoint: Endpoint, healthy: boolean): void {
    const existing = this.targets.get(endpoint.id);
    if (existing !== undefined) {
      existing.endpoint = endpoint;
      return;
    }
    const t: Target = {
      endpoint,
      healthy,
      successes: 0,
      failures: 0,
      timer: undefined,
      running: undefined,
      stopped: false,
    };
    this.targets.set(endpoint.id, t);
    this.schedule(t, this.random() * this.settings.jitterMs);
  }

  /** Stops checking one endpoint; a check in progress is aborted and its result ignored. */
  remove(id: string): void {
    const t = this.targets.get(id);
    if (t === undefined) return;
    this.targets.delete(id);
    this.stop(t);
  }

  /** Stops every loop and aborts checks in progress. */
  close(): void {
    for (const t of this.targets.values()) this.stop(t);
    this.targets.clear();
  }

  private stop(t: Target): void {
    t.stopped = true;
    if (t.timer !== undefined) this.clock.clearTimeout(t.timer);
    t.timer = undefined;
    t.running?.abort(new Error('health check stopped'));
  }

  private schedule(t: Target, delayMs: number): void {
    t.timer = unref(
      this.clock.setTimeout(() => {
        t.timer = undefined;
        void this.run(t);
      }, delayMs),
    );
  }

  private async run(t: Target): Promise<void> {
    if (t.stopped) return;
    const controller = new AbortController();
    t.running = controller;
    let timedOut = false;
    const timeout = unref(
      this.clock.setTimeout(() => {
        timedOut = true;
        controller.abort(new Error(`health check timed out after ${this.settings.timeoutMs}ms`));
      }, this.settings.timeoutMs),
    );
    let passed: boolean;
    let reason: string;
    let local = false;
    try {
      // Race the check against the abort: a custom check that ignores its signal must not stall the loop.
      passed = await raceAbort(this.settings.check(t.endpoint, controller.signal), controller.signal);
      reason = passed ? 'check passed' : 'check failed';
    } catch (e) {
      passed = false;
      local = !timedOut && isLocalResourceError(e);
      reason = timedOut ? `check timed out after ${this.settings.timeoutMs}ms` : `check error: ${describe(e)}`;
    } finally {
      this.clock.clearTimeout(timeout);
      t.running = undefined;
    }
    if (t.stopped) return;
    // A check this process could not make (EMFILE, EADDRNOTAVAIL…) says nothing about the endpoint:
    // no verdict, the rise/fall counts stay as they were.
    if (!local) this.record(t, passed, reason);
    this.schedule(t, this.settings.intervalMs + this.random() * this.settings.jitterMs);
  }

  private record(t: Target, passed: boolean, reason: string): void {
    if (passed) {
      t.failures = 0;
      t.successes++;
      if (!t.healthy && t.successes >= this.settings.healthyThreshold) {
        t.healthy = true;
        this.listener(t.endpoint.id, true, `${t.successes} consecutive checks passed`);
      }
    } else {
      t.successes = 0;
      t.failures++;
      if (t.healthy && t.failures >= this.settings.unhealthyThreshold) {
        t.healthy = false;
        this.listener(t.endpoint.id, false, `${t.failures} consecutive checks failed (${reason})`);
      }
    }
  }
}

function raceAbort<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

function unref(handle: unknown): unknown {
  (handle as { unref?: () => void } | null)?.unref?.();
  return handle;
}

// Error messages only: never the endpoint URL, which may carry credentials.
function describe(e: unknown): string {
  if (e instanceof Error)
    return (e.cause instanceof Error ? `${e.message}: ${e.cause.message}` : e.message).slice(0, 200);
  return String(e).slice(0, 200);
}
