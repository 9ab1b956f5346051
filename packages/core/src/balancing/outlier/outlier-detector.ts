import type { Clock } from '../../clock.js';
import type { EndpointState } from '../live-endpoint.js';

/** Resolved outlier-detection settings. */
export interface OutlierSettings {
  consecutiveFailures: number;
  baseEjectionMs: number;
  maxEjectionMs: number;
  maxEjectionPercent: number;
}

/** Reports an ejection or a return to rotation. */
export type EjectionListener = (s: EndpointState, ejected: boolean, reason: string) => void;

/**
 * Passive outlier detection as Envoy does it (nginx max_fails/fail_timeout is the simple case):
 * `consecutiveFailures` failures in a row eject an endpoint for baseEjectionMs × its ejection
 * count (capped); the count decays by one per baseEjectionMs spent back in rotation, so a
 * recovered endpoint is not punished forever. At most maxEjectionPercent of the endpoints are out
 * at once, but one ejection is always allowed (as Envoy does).
 */
export class OutlierDetector {
  private readonly timers = new Map<EndpointState, unknown>();
  private ejectedCount = 0;
  private readonly settings: OutlierSettings;
  private readonly clock: Clock;
  private readonly listener: EjectionListener;
  private readonly population: () => number;

  constructor(settings: OutlierSettings, clock: Clock, population: () => number, listener: EjectionListener) {
    this.settings = settings;
    this.clock = clock;
    this.population = population;
    this.listener = listener;
  }

  success(s: EndpointState): void {
    s.consecutiveFailures = 0;
  }

  failure(s: EndpointState): void {
    s.consecutiveFailures++;
    if (s.ejected || s.consecutiveFailures < this.settings.consecutiveFailures) return;
    const allowed = Math.floor((this.population() * this.settings.maxEjectionPercent) / 100);
    if (this.ejectedCount > 0 && this.ejectedCount + 1 > allowed) return;
    const now = this.clock.now();
    const decayed = s.ejections === 0 ? 0 : Math.floor((now - s.lastUnejectAt) / this.settings.baseEjectionMs);
    s.ejections = Math.max(0, s.ejections - decayed) + 1;
    const durationMs = Math.min(this.settings.baseEjectionMs * s.ejections, this.settings.maxEjectionMs);
    s.ejected = true;
    s.ejectedUntil = now + durationMs;
    this.ejectedCount++;
    const timer = this.clock.setTimeout(() => this.uneject(s, 'ejection time elapsed'), durationMs);
    (timer as { unref?: () => void } | null)?.unref?.();
    this.timers.set(s, timer);
    this.listener(s, true, `${s.consecutiveFailures} consecutive failures`);
  }

  /** Returns `s` to rotation (timer elapsed) or forgets it (removed endpoint: no event). */
  uneject(s: EndpointState, reason: string | undefined): void {
    const timer = this.timers.get(s);
    if (timer !== undefined) {
      this.clock.clearTimeout(timer);
      this.timers.delete(s);
    }
    if (!s.ejected) return;
    s.ejected = false;
    s.ejectedUntil = 0;
    s.consecutiveFailures = 0;
    s.lastUnejectAt = this.clock.now();
    this.ejectedCount--;
    if (reason !== undefined) this.listener(s, false, reason);
  }

  close(): void {
    for (const timer of this.timers.values()) this.clock.clearTimeout(timer);
    this.timers.clear();
  }
}
