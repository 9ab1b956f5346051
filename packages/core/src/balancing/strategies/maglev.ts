import { hash32 } from '../hash.js';
import type { LiveEndpoint } from '../types.js';
import type { HashTable } from './hash-ring.js';

/** Primes usable as Maglev table sizes (Envoy's default 65537 first, its maximum 5000011 last). */
const PRIMES = [65_537, 131_071, 262_139, 524_287, 1_048_573, 2_097_143, 5_000_011];

/** The smallest listed prime ≥ 100·n (Maglev §5.3: M > 100·N keeps imbalance ≤ 1%), capped. */
export function maglevTableSize(n: number): number {
  for (const p of PRIMES) if (p >= 100 * n) return p;
  return PRIMES[PRIMES.length - 1]!;
}

/**
 * Maglev lookup table (Eisenbud et al., NSDI 2016), weighted as Envoy does: endpoints take turns
 * filling their next free preferred slot (permutation offset + j·skip mod M), a lighter endpoint
 * taking a turn only every maxWeight/weight rounds. Lookup is one modulo and one array read.
 */
export class MaglevTable implements HashTable {
  readonly size: number;
  private readonly table: Uint16Array | Int32Array;

  constructor(candidates: ReadonlyArray<LiveEndpoint>, size: number) {
    const n = candidates.length;
    this.size = size;
    // 16-bit entries halve the table (2 MiB instead of 4 at 10k endpoints), so more of it stays in
    // cache: lookups at 10k endpoints are dominated by the cache miss on the table read.
    const empty = n < 0xffff ? 0xffff : -1;
    const table = n < 0xffff ? new Uint16Array(size).fill(empty) : new Int32Array(size).fill(empty);
    this.table = table;
    if (n === 0) return;
    const offset = new Float64Array(n);
    const skip = new Float64Array(n);
    const next = new Float64Array(n);
    const target = new Float64Array(n);
    let maxWeight = 0;
    for (let i = 0; i < n; i++) {
      const id = candidates[i]!.id;
      offset[i] = hash32(id, 0x9e3779b9) % size;
      skip[i] = (hash32(id, 0x85ebca6b) % (size - 1)) + 1;
      maxWeight = Math.max(maxWeight, candidates[i]!.weight);
    }
    let filled = 0;
    for (let round = 1; filled < size; round++) {
      for (let i = 0; i < n && filled < size; i++) {
        const w = candidates[i]!.weight;
        if (round * w < target[i]!) continue;
        target[i] = target[i]! + maxWeight;
        let c = (offset[i]! + next[i]! * skip[i]!) % size;
        while (table[c] !== empty) {
          next[i] = next[i]! + 1;
          c = (offset[i]! + next[i]! * skip[i]!) % size;
        }
        table[c] = i;
        next[i] = next[i]! + 1;
        filled++;
      }
    }
  }

  start(h: number): number {
    return h % this.size;
  }

  owner(p: number): number {
    return this.table[p]!;
  }
}
