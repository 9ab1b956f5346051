import { hash32 } from '../hash.js';
import type { LiveEndpoint } from '../types.js';

/** A lookup table consistent hashing walks: a start position for a hash, then owners in order. */
export interface HashTable {
  readonly size: number;
  /** Position where the walk for hash `h` starts. */
  start(h: number): number;
  /** Candidate slot owning position `p` (0 ≤ p < size). */
  owner(p: number): number;
}

// A ring entry packs (hash, owner) into one double: hash · 2^21 + owner stays below 2^53, so a
// plain numeric typed-array sort orders entries by hash without allocating pair objects.
const OWNER_BITS = 2 ** 21;

/**
 * Ketama-style ring: each endpoint gets virtual nodes in proportion to its weight; a key goes to
 * the first virtual node clockwise of its hash. Adding one endpoint to n moves ≈ 1/(n+1) of keys.
 */
export class HashRing implements HashTable {
  readonly size: number;
  private readonly hashes: Uint32Array;
  private readonly owners: Int32Array;

  constructor(candidates: ReadonlyArray<LiveEndpoint>, vnodesPerWeight: number, maxEntries: number) {
    const n = candidates.length;
    if (n >= OWNER_BITS) throw new RangeError(`hash ring: at most ${OWNER_BITS - 1} endpoints, got ${n}`);
    let totalWeight = 0;
    for (const c of candidates) totalWeight += c.weight;
    const meanWeight = totalWeight / Math.max(1, n);
    const perUnit = Math.max(1, Math.min(vnodesPerWeight, Math.floor(maxEntries / Math.max(1, n))));
    const counts = candidates.map((c) => Math.max(1, Math.round((perUnit * c.weight) / meanWeight)));
    const size = counts.reduce((a, b) => a + b, 0);
    const packed = new Float64Array(size);
    let k = 0;
    for (let i = 0; i < n; i++) {
      const id = candidates[i]!.id;
      for (let v = 0; v < counts[i]!; v++) packed[k++] = hash32(`${id}#${v}`) * OWNER_BITS + i;
    }
    packed.sort();
    this.size = size;
    this.hashes = new Uint32Array(size);
    this.owners = new Int32Array(size);
    for (let p = 0; p < size; p++) {
      const e = packed[p]!;
      const owner = e % OWNER_BITS;
      this.owners[p] = owner;
      this.hashes[p] = (e - owner) / OWNER_BITS;
    }
  }

  start(h: number): number {
    const hashes = this.hashes;
    let lo = 0;
    let hi = this.size;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (hashes[mid]! < h) lo = mid + 1;
      else hi = mid;
    }
    return lo === this.size ? 0 : lo;
  }

  owner(p: number): number {
    return this.owners[p]!;
  }
}
