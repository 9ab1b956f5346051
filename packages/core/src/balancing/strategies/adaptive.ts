import type { LiveEndpoint, Picker, Strategy, StrategyEnv } from '../types.js';
import { scanFrom } from './scan.js';
import { checkObject, checkOptionalNumber } from '../../kernel/options.js';

/** Options of {@link adaptive}. */
export interface AdaptiveOptions {
  /** Step of the score update toward each call's reward, 0..1. Default 0.1. */
  learningRate?: number;
  /** Softmax temperature: lower concentrates traffic on the best scores. Default 0.1. */
  temperature?: number;
}

// Scores are moving averages of rewards in [-1, 1]; weights are exp((score − MAX_SCORE)/T) ≤ 1,
// so they can never overflow however small the temperature (a naive exp(w)/Σexp(w) can).
const MAX_SCORE = 1;
const FAILURE_REWARD = -1;

/**
 * An adaptive balancer, done numerically stably: each endpoint's score moves toward the
 * reward of each of its calls (failure −1; success ref/(ref + latency), 0.5 at the fleet's mean
 * latency); picks sample the softmax of the scores. Weights live in a Fenwick tree, so a pick and a
 * score update are O(log n).
 */
class AdaptivePicker implements Picker {
  private candidates: ReadonlyArray<LiveEndpoint> = [];
  private tree = new Float64Array(1);
  private weights = new Float64Array(0);
  private total = 0;
  /** Largest power of two ≤ n: where the Fenwick descent starts (computed once per rebuild). */
  private topStep = 0;
  private updatesSinceRebuild = 0;
  private meanLatencyMs = 0;
  private readonly env: StrategyEnv;
  private readonly learningRate: number;
  private readonly temperature: number;

  constructor(env: StrategyEnv, learningRate: number, temperature: number) {
    this.env = env;
    this.learningRate = learningRate;
    this.temperature = temperature;
  }

  rebuild(candidates: ReadonlyArray<LiveEndpoint>): void {
    const n = candidates.length;
    this.candidates = candidates;
    this.weights = new Float64Array(n);
    this.tree = new Float64Array(n + 1);
    let total = 0;
    for (let i = 0; i < n; i++) {
      const w = this.weightOf(candidates[i]!.score);
      this.weights[i] = w;
      total += w;
      // O(n) Fenwick construction: push each node's sum to its parent.
      const node = i + 1;
      this.tree[node] = this.tree[node]! + w;
      const parent = node + (node & -node);
      if (parent <= n) this.tree[parent] = this.tree[parent]! + this.tree[node]!;
    }
    this.total = total;
    this.updatesSinceRebuild = 0;
    let step = 1;
    while (step * 2 <= n) step *= 2;
    this.topStep = n > 0 ? step : 0;
  }

  pick(_key: string | undefined, admit: (c: LiveEndpoint) => boolean): LiveEndpoint | undefined {
    const cands = this.candidates;
    const n = cands.length;
    if (n === 0) return undefined;
    let i: number;
    if (this.total > 1e-300) {
      i = this.find(this.env.random() * this.total);
    } else {
      // Every weight underflowed (tiny temperature, poor scores): the best score wins.
      i = 0;
      for (let k = 1; k < n; k++) if (cands[k]!.score > cands[i]!.score) i = k;
    }
    const c = cands[i]!;
    return admit(c) ? c : scanFrom(cands, i + 1, admit);
  }

  onEnd(c: LiveEndpoint, durationMs: number, success: boolean | undefined): void {
    if (success === undefined) return;
    let reward = FAILURE_REWARD;
    if (success) {
      this.meanLatencyMs =
        this.meanLatencyMs === 0
          ? Math.max(durationMs, 1e-3)
          : this.meanLatencyMs + 0.05 * (durationMs - this.meanLatencyMs);
      const ref = Math.max(this.meanLatencyMs, 1e-3);
      reward = ref / (ref + durationMs);
    }
    const writable = c as { score: number };
    writable.score += this.learningRate * (reward - c.score);
    const slot = c.slot;
    if (slot < 0 || this.candidates[slot] !== c) return;
    const w = this.weightOf(c.score);
    const delta = w - this.weights[slot]!;
    this.weights[slot] = w;
    this.total += delta;
    for (let node = slot + 1; node < this.tree.length; node += node & -node) this.tree[node] = this.tree[node]! + delta;
    // Incremental float updates drift; recompute exactly now and then (amortised O(1)).
    if (++this.updatesSinceRebuild > 4 * this.candidates.length + 64) this.rebuild(this.candidates);
  }

  private weightOf(score: number): number {
    return Math.exp((Math.min(score, MAX_SCORE) - MAX_SCORE) / this.temperature);
  }

  /** Smallest index whose prefix sum exceeds `target` (Fenwick descent). */
  private find(target: number): number {
    const tree = this.tree;
    const n = tree.length - 1;
    let pos = 0;
    for (let step = this.topStep; step > 0; step >>= 1) {
      const next = pos + step;
      if (next <= n && tree[next]! <= target) {
        pos = next;
        target -= tree[next]!;
      }
    }
    return pos < n ? pos : n - 1;
  }
}

/** Softmax over scores learned from latency and success (reinforcement on latency and errors). */
export function adaptive(o?: AdaptiveOptions): Strategy {
  checkObject('adaptive', o, true);
  const learningRate = checkOptionalNumber('adaptive.learningRate', o?.learningRate, { min: 1e-6, max: 1 }) ?? 0.1;
  const temperature = checkOptionalNumber('adaptive.temperature', o?.temperature, { min: 1e-4 }) ?? 0.1;
  return { name: 'adaptive', create: (env) => new AdaptivePicker(env, learningRate, temperature) };
}
