import type { LiveEndpoint, Picker, Strategy, StrategyEnv } from '../types.js';
import { scanFrom } from './scan.js';
import { checkObject, checkOptionalNumber } from '../../kernel/options.js';

/** Options of {@link p2cEwma}. */
export interface P2cEwmaOptions {
  /** Time constant of the peak-EWMA latency (and of its decay while idle). Default 10_000. */
  decayMs?: number;
  /**
   * Weight of the error-rate term: cost × (1 + errorPenalty · e / (1 − e)) for error rate e.
   * Default 10, so an endpoint failing half its calls in 1 ms costs more than a healthy one at 10 ms.
   */
  errorPenalty?: number;
}

// Keeps the in-flight term meaningful once an idle estimate has decayed to ~0.
const MIN_LATENCY_MS = 1e-3;
const MAX_ERROR_RATE = 0.999;
// Idle decay is refreshed for every candidate once per SWEEP_FRACTION of decayMs (the old per-pick
// computation skipped decays below 1% too), at most SWEEP_CHUNK candidates per completion so a
// 10k-endpoint fleet never pays a whole sweep inside one call's completion.
const SWEEP_FRACTION = 0.01;
const SWEEP_CHUNK = 128;

/**
 * Power of two choices on peak-EWMA cost (Finagle/Linkerd): two distinct random candidates, the
 * cheaper wins. Cost = latency estimate (decayed for idle time) × (in-flight + 1) × error term.
 *
 * A pick reads no clock and computes nothing: `cost[slot]` is kept current where its inputs change
 * — on start (in-flight), on completion (latency sample, error rate, in-flight) and by a chunked
 * sweep, at most every `decayMs / 100` of completion time, that applies idle decay to endpoints
 * that got no calls (so a once-slow endpoint is tried again). O(1) per pick, amortised O(1) per
 * completion.
 */
class P2cEwmaPicker implements Picker {
  private candidates: ReadonlyArray<LiveEndpoint> = [];
  /** base[slot]: latency × error term, as of the last refresh (no in-flight factor). */
  private base = new Float64Array(0);
  /** cost[slot] = base[slot] × (inFlight + 1): what picks compare. */
  private cost = new Float64Array(0);
  /** Clock time the running (or next) idle-decay sweep is measured at. */
  private sweepNow = 0;
  /** Next slot of the running sweep; -1 when no sweep runs. */
  private sweepSlot = -1;
  /** When the next sweep is due (clock time, read only on completions). */
  private sweepDueAt = 0;
  private readonly env: StrategyEnv;
  private readonly decayMs: number;
  private readonly errorPenalty: number;

  constructor(env: StrategyEnv, decayMs: number, errorPenalty: number) {
    this.env = env;
    this.decayMs = decayMs;
    this.errorPenalty = errorPenalty;
  }

  rebuild(candidates: ReadonlyArray<LiveEndpoint>): void {
    const n = candidates.length;
    this.candidates = candidates;
    if (this.cost.length !== n) {
      this.base = new Float64Array(n);
      this.cost = new Float64Array(n);
    }
    // Off the pick path: a rebuild may follow a long idle period, so decay everything now.
    const now = this.env.clock.now();
    for (let slot = 0; slot < n; slot++) this.refresh(candidates[slot]!, slot, now);
    this.sweepSlot = -1;
    this.sweepDueAt = now + this.decayMs * SWEEP_FRACTION;
  }

  pick(_key: string | undefined, admit: (c: LiveEndpoint) => boolean): LiveEndpoint | undefined {
    const cands = this.candidates;
    const n = cands.length;
    if (n === 0) return undefined;
    if (n === 1) return admit(cands[0]!) ? cands[0] : undefined;
    // Two distinct indexes from one random draw (n ≤ 2^21 keeps both parts exact).
    const r = this.env.random() * n;
    const i = Math.floor(r);
    let j = Math.floor((r - i) * (n - 1));
    if (j >= i) j++;
    const cost = this.cost;
    let a = cands[i]!;
    let b = cands[j]!;
    if (cost[j]! < cost[i]!) {
      const t = a;
      a = b;
      b = t;
    }
    if (admit(a)) return a;
    if (admit(b)) return b;
    return scanFrom(cands, i, admit);
  }

  onStart(c: LiveEndpoint): void {
    const slot = c.slot;
    if (slot >= 0 && this.candidates[slot] === c) this.cost[slot] = this.base[slot]! * (c.inFlight + 1);
  }

  /** Called after the balancer recorded the call in `c` (ewmaMs, errorRate, latencyAt, inFlight). */
  onEnd(c: LiveEndpoint): void {
    const now = this.env.clock.now();
    const slot = c.slot;
    if (slot >= 0 && this.candidates[slot] === c) this.refresh(c, slot, now);
    if (this.sweepSlot >= 0 || now >= this.sweepDueAt) this.sweep(now);
  }

  /** Advances the idle-decay sweep by up to SWEEP_CHUNK candidates. */
  private sweep(now: number): void {
    if (this.sweepSlot < 0) {
      this.sweepSlot = 0;
      this.sweepNow = now;
    }
    const cands = this.candidates;
    const end = Math.min(cands.length, this.sweepSlot + SWEEP_CHUNK);
    // One timestamp per sweep: every candidate is decayed to the same instant, so comparisons stay fair.
    for (let slot = this.sweepSlot; slot < end; slot++) this.refresh(cands[slot]!, slot, this.sweepNow);
    if (end < cands.length) {
      this.sweepSlot = end;
      return;
    }
    this.sweepSlot = -1;
    this.sweepDueAt = this.sweepNow + this.decayMs * SWEEP_FRACTION;
  }

  private refresh(c: LiveEndpoint, slot: number, now: number): void {
    const base = this.baseCost(c, now);
    this.base[slot] = base;
    this.cost[slot] = base * (c.inFlight + 1);
  }

  /** Expected cost of one call to an idle `c` at `now`: latency estimate × error term. */
  private baseCost(c: LiveEndpoint, now: number): number {
    const idle = now - c.latencyAt;
    // Idle decay only matters once it is noticeable (> 1% of decayMs); skip the exp on busy endpoints.
    const decay = idle > this.decayMs * SWEEP_FRACTION ? Math.exp(-idle / this.decayMs) : 1;
    const latency = Math.max(c.ewmaMs * decay, MIN_LATENCY_MS);
    const e = Math.min(c.errorRate * decay, MAX_ERROR_RATE);
    return latency * (1 + (this.errorPenalty * e) / (1 - e));
  }
}

/** Power of two choices on peak-EWMA latency × (in-flight + 1), with fast failures penalised. */
export function p2cEwma(o?: P2cEwmaOptions): Strategy {
  checkObject('p2cEwma', o, true);
  const decayMs = checkOptionalNumber('p2cEwma.decayMs', o?.decayMs, { min: 1 }) ?? 10_000;
  const errorPenalty = checkOptionalNumber('p2cEwma.errorPenalty', o?.errorPenalty, { min: 0 }) ?? 10;
  return { name: 'p2c_ewma', decayMs, create: (env) => new P2cEwmaPicker(env, decayMs, errorPenalty) };
}
