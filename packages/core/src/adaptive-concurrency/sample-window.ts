import type { WindowStats } from './algorithms.js';

/** A window is never longer than this, whatever the latency (a slow upstream still adapts). */
const MAX_WINDOW_MS = 1_000;

/**
 * Aggregates call samples until the window is ready to update the limit: at least `minSamples`
 * samples and twice the reference latency elapsed (one round trip for a limit change to show in
 * latency, one to measure it), or `MAX_WINDOW_MS` with any sample at all. The reference is the
 * no-load latency when known, else the previous window's average.
 */
export class SampleWindow implements WindowStats {
  startedAt: number;
  samples = 0;
  drops = 0;
  maxInFlight = 0;
  private rttSum = 0;
  private rttCount = 0;
  /** The previous window's average latency: the window length without a baseline (aimd). */
  private lastRttMs: number | undefined = undefined;

  constructor(
    now: number,
    private readonly minSamples: number,
  ) {
    this.startedAt = now;
  }

  get rttMs(): number | undefined {
    return this.rttCount === 0 ? undefined : this.rttSum / this.rttCount;
  }

  /** Notes the in-flight count when a call starts. */
  started(inFlight: number): void {
    if (inFlight > this.maxInFlight) this.maxInFlight = inFlight;
  }

  add(rttMs: number, drop: boolean): void {
    this.samples++;
    if (drop) {
      this.drops++;
    } else {
      this.rttSum += rttMs;
      this.rttCount++;
    }
  }

  /** True when the window should close now; `referenceMs` is the no-load latency when known. */
  ready(now: number, referenceMs: number | undefined): boolean {
    if (this.samples === 0) return false;
    const elapsed = now - this.startedAt;
    if (elapsed >= MAX_WINDOW_MS) return true;
    const ref = referenceMs ?? this.lastRttMs ?? 0;
    return this.samples >= this.minSamples && elapsed >= 2 * ref;
  }

  /** Starts a new window; `inFlight` calls already running count towards its peak. */
  reset(now: number, inFlight: number): void {
    this.lastRttMs = this.rttMs ?? this.lastRttMs;
    this.startedAt = now;
    this.samples = 0;
    this.drops = 0;
    this.maxInFlight = inFlight;
    this.rttSum = 0;
    this.rttCount = 0;
  }
}

/** Sample windows a re-measurement of the no-load latency lasts: one to drain the queue, one to measure. */
export const PROBE_WINDOWS = 2;
/** Windows at the minimum limit after which the baseline is taken as stale and replaced. */
const STALE_AT_MIN_WINDOWS = 5;

/** What {@link BaselineRtt.observe} asks the limiter to do. */
export type BaselineSignal = 'none' | 'probe-start' | 'probe-end' | 'rebased';

/**
 * The no-load latency estimate (the "baseline" gradient2 and vegas compare with): the lowest
 * window average seen since it was last measured.
 *
 * Why it is re-measured: under sustained load the limiter keeps a small standing queue at the
 * upstream, so every later sample includes queueing; a baseline learnt from them would creep up
 * and the limit with it. Every `intervalMs` (and once at start) the limiter therefore runs for
 * {@link PROBE_WINDOWS} windows at half its limit — the queue drains and the windows show the
 * unloaded latency — and the estimate restarts from that measurement. A baseline that is too low
 * (the upstream became slower at any load) drives the limit to its minimum; after
 * {@link STALE_AT_MIN_WINDOWS} windows there, the current latency becomes the baseline.
 */
export class BaselineRtt {
  value: number | undefined = undefined;
  /** The first measurement runs at the initial limit: there is no queue of ours to drain yet. */
  probeWindowsLeft = PROBE_WINDOWS;
  /** True while a re-measurement runs at half the limit. */
  halving = false;
  private probeBest = Infinity;
  private nextProbeAt = Infinity;
  private windowsAtMin = 0;

  constructor(private readonly intervalMs: number) {}

  get probing(): boolean {
    return this.probeWindowsLeft > 0;
  }

  /** Feeds one closed window's average latency; `atMinLimit` when the limit is at its minimum. */
  observe(rttMs: number | undefined, now: number, atMinLimit: boolean): BaselineSignal {
    if (rttMs === undefined) return 'none';
    if (this.probing) {
      if (rttMs < this.probeBest) this.probeBest = rttMs;
      if (--this.probeWindowsLeft > 0) return 'none';
      this.value = this.probeBest;
      this.probeBest = Infinity;
      this.halving = false;
      this.nextProbeAt = now + this.intervalMs;
      this.windowsAtMin = 0;
      return 'probe-end';
    }
    if (this.value === undefined || rttMs < this.value) this.value = rttMs;
    this.windowsAtMin = atMinLimit ? this.windowsAtMin + 1 : 0;
    if (this.windowsAtMin >= STALE_AT_MIN_WINDOWS) {
      this.value = rttMs;
      this.windowsAtMin = 0;
      this.nextProbeAt = now + this.intervalMs;
      return 'rebased';
    }
    if (now >= this.nextProbeAt) {
      this.probeWindowsLeft = PROBE_WINDOWS;
      this.halving = true;
      return 'probe-start';
    }
    return 'none';
  }
}
