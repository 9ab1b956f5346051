import type { LiveEndpoint, Picker, Strategy, StrategyEnv } from '../types.js';
import { optNumber, optObject } from '../validate.js';
import { scanFrom } from './scan.js';

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

/**
 * Power of two choices on peak-EWMA cost (Finagle/Linkerd): two distinct random candidates, the
 * cheaper wins. Cost = latency estimate (decayed for idle time) × (in-flight + 1) × error term.
 * O(1) per pick.
 */
class P2cEwmaPicker implements Picker {
  private candidates: ReadonlyArray<LiveEndpoint> = [];
  private readonly env: StrategyEnv;
  private readonly decayMs: number;
  private readonly errorPenalty: number;

  constructor(env: StrategyEnv, decayMs: number, errorPenalty: number) {
    this.env = env;
    this.decayMs = decayMs;
    this.errorPenalty = errorPenalty;
  }

  rebuild(candidates: ReadonlyArray<LiveEndpoint>): void {
    this.candidates = candidates;
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
    const now = this.env.clock.now();
    let a = cands[i]!;
    let b = cands[j]!;
    if (this.cost(b, now) < this.cost(a, now)) {
      const t = a;
      a = b;
      b = t;
    }
    if (admit(a)) return a;
    if (admit(b)) return b;
    return scanFrom(cands, i, admit);
  }

  /** Expected cost of sending one more call to `c` now. */
  cost(c: LiveEndpoint, now: number): number {
    const idle = now - c.latencyAt;
    // Idle decay only matters once it is noticeable (> 1% of decayMs); skip the exp on busy endpoints.
    const decay = idle > this.decayMs * 0.01 ? Math.exp(-idle / this.decayMs) : 1;
    const latency = Math.max(c.ewmaMs * decay, MIN_LATENCY_MS);
    const e = Math.min(c.errorRate * decay, MAX_ERROR_RATE);
    return latency * (c.inFlight + 1) * (1 + (this.errorPenalty * e) / (1 - e));
  }
}

/** Power of two choices on peak-EWMA latency × (in-flight + 1), with fast failures penalised. */
export function p2cEwma(o?: P2cEwmaOptions): Strategy {
  optObject('p2cEwma', o);
  const decayMs = optNumber('p2cEwma.decayMs', o?.decayMs, 1) ?? 10_000;
  const errorPenalty = optNumber('p2cEwma.errorPenalty', o?.errorPenalty, 0) ?? 10;
  return { name: 'p2c_ewma', decayMs, create: (env) => new P2cEwmaPicker(env, decayMs, errorPenalty) };
}
