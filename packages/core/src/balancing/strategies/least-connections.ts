import type { LiveEndpoint, Picker, Strategy, StrategyEnv } from '../types.js';
import { scanFrom } from './scan.js';

/**
 * Least connections over an indexed binary min-heap keyed by (in-flight [/ weight], last pick).
 * The second key breaks ties round-robin: the least recently picked of the least loaded goes
 * first. pick, start and end are O(log n) — no linear scan, however many endpoints.
 */
class LeastConnectionsPicker implements Picker {
  private candidates: ReadonlyArray<LiveEndpoint> = [];
  /** heap[k] = candidate slot at heap position k. */
  private heap = new Int32Array(0);
  /** pos[slot] = heap position of the candidate. */
  private pos = new Int32Array(0);
  private load = new Float64Array(0);
  private seq = new Float64Array(0);
  private counter = 0;
  private readonly weighted: boolean;

  constructor(weighted: boolean) {
    this.weighted = weighted;
  }

  rebuild(candidates: ReadonlyArray<LiveEndpoint>): void {
    const n = candidates.length;
    this.candidates = candidates;
    this.heap = new Int32Array(n);
    this.pos = new Int32Array(n);
    this.load = new Float64Array(n);
    this.seq = new Float64Array(n);
    this.counter = 0;
    for (let i = 0; i < n; i++) {
      this.heap[i] = i;
      this.pos[i] = i;
      this.load[i] = this.loadOf(candidates[i]!);
      this.seq[i] = i - n; // before any pick: candidate order
    }
    for (let k = (n >> 1) - 1; k >= 0; k--) this.down(k);
  }

  pick(_key: string | undefined, admit: (c: LiveEndpoint) => boolean): LiveEndpoint | undefined {
    const n = this.candidates.length;
    if (n === 0) return undefined;
    let c = this.candidates[this.heap[0]!]!;
    if (!admit(c)) {
      // The least loaded one is saturated (a small maxConnections); rare, so scan.
      const found = scanFrom(this.candidates, 0, admit);
      if (found === undefined) return undefined;
      c = found;
    }
    const slot = c.slot;
    this.seq[slot] = ++this.counter;
    this.down(this.pos[slot]!);
    return c;
  }

  onStart(c: LiveEndpoint): void {
    this.reload(c);
  }

  onEnd(c: LiveEndpoint): void {
    this.reload(c);
  }

  private reload(c: LiveEndpoint): void {
    const slot = c.slot;
    if (slot < 0 || this.candidates[slot] !== c) return;
    const before = this.load[slot]!;
    const after = this.loadOf(c);
    this.load[slot] = after;
    if (after > before) this.down(this.pos[slot]!);
    else this.up(this.pos[slot]!);
  }

  private loadOf(c: LiveEndpoint): number {
    return this.weighted ? c.inFlight / c.weight : c.inFlight;
  }

  private less(a: number, b: number): boolean {
    const la = this.load[a]!;
    const lb = this.load[b]!;
    return la < lb || (la === lb && this.seq[a]! < this.seq[b]!);
  }

  private up(k: number): void {
    const heap = this.heap;
    const item = heap[k]!;
    while (k > 0) {
      const parent = (k - 1) >> 1;
      const p = heap[parent]!;
      if (!this.less(item, p)) break;
      heap[k] = p;
      this.pos[p] = k;
      k = parent;
    }
    heap[k] = item;
    this.pos[item] = k;
  }

  private down(k: number): void {
    const heap = this.heap;
    const n = heap.length;
    const item = heap[k]!;
    for (;;) {
      let child = 2 * k + 1;
      if (child >= n) break;
      if (child + 1 < n && this.less(heap[child + 1]!, heap[child]!)) child++;
      const ch = heap[child]!;
      if (!this.less(ch, item)) break;
      heap[k] = ch;
      this.pos[ch] = k;
      k = child;
    }
    heap[k] = item;
    this.pos[item] = k;
  }
}

/** Fewest calls in flight; ties broken round-robin. O(log n) per pick. */
export function leastConnections(): Strategy {
  return { name: 'least_connections', create: (_env: StrategyEnv) => new LeastConnectionsPicker(false) };
}

/** Fewest calls in flight per unit of weight (nginx `least_conn` with weights); ties round-robin. */
export function weightedLeastConnections(): Strategy {
  return { name: 'weighted_least_connections', create: (_env: StrategyEnv) => new LeastConnectionsPicker(true) };
}
