import { ConfigError } from '../../errors.js';
import { hash32 } from '../hash.js';
import type { LiveEndpoint, Picker, Strategy, StrategyEnv } from '../types.js';
import { HashRing, type HashTable } from './hash-ring.js';
import { MaglevTable, maglevTableSize } from './maglev.js';
import { randomIndex, scanFrom } from './scan.js';
import { describeValue, checkObject, checkOptionalNumber } from '../../kernel/options.js';

/** Options of {@link consistentHash}. */
export interface ConsistentHashOptions {
  /** 'ring' (virtual nodes, the most stable under change) or 'maglev' (O(1) lookup). Default 'ring'. */
  algorithm?: 'ring' | 'maglev';
  /**
   * Consistent hashing with bounded loads (Mirrokni et al.): no endpoint takes more than
   * ceil(boundedLoad × average in-flight); a key whose endpoint is full walks on to the next.
   * A number > 1, e.g. 1.25. Default: unbounded.
   */
  boundedLoad?: number;
  /** Ring: virtual nodes per unit of (mean-normalised) weight. Default 160. */
  virtualNodes?: number;
  /** Maglev: prime table size. Default: the smallest of 65537, 131071, … ≥ 100 × endpoints. */
  tableSize?: number;
}

/**
 * Sticky routing on `ExecuteOptions.key` (a session cookie, a user id). The walk from a key's
 * position skips saturated endpoints and, with bounded load, endpoints at capacity. Calls without
 * a key go to a random candidate.
 */
class ConsistentHashPicker implements Picker {
  private candidates: ReadonlyArray<LiveEndpoint> = [];
  private table: HashTable | undefined;
  private totalInFlight = 0;
  private capacity = Infinity;
  private walkAdmit: (c: LiveEndpoint) => boolean = () => true;
  private readonly env: StrategyEnv;
  private readonly options: Required<Pick<ConsistentHashOptions, 'algorithm' | 'virtualNodes'>> & ConsistentHashOptions;

  constructor(env: StrategyEnv, options: ConsistentHashPicker['options']) {
    this.env = env;
    this.options = options;
  }

  rebuild(candidates: ReadonlyArray<LiveEndpoint>): void {
    this.candidates = candidates;
    let total = 0;
    for (const c of candidates) total += c.inFlight;
    this.totalInFlight = total;
    const n = candidates.length;
    if (n === 0) this.table = undefined;
    else if (this.options.algorithm === 'maglev')
      this.table = new MaglevTable(candidates, this.options.tableSize ?? maglevTableSize(n));
    else this.table = new HashRing(candidates, this.options.virtualNodes, 1 << 20);
  }

  pick(key: string | undefined, admit: (c: LiveEndpoint) => boolean): LiveEndpoint | undefined {
    const cands = this.candidates;
    const n = cands.length;
    const table = this.table;
    if (n === 0 || table === undefined) return undefined;
    const bound = this.options.boundedLoad;
    if (bound !== undefined) {
      this.capacity = Math.ceil((bound * (this.totalInFlight + 1)) / n);
      this.walkAdmit = admit;
    }
    if (key === undefined) {
      const i = randomIndex(this.env.random, n);
      return bound === undefined ? scanFrom(cands, i, admit) : scanFrom(cands, i, this.boundedAdmit);
    }
    const size = table.size;
    let p = table.start(hash32(key));
    // Every endpoint owns some positions, so a walk of `size` steps visits all of them.
    for (let step = 0; step < size; step++) {
      const c = cands[table.owner(p)]!;
      if (bound === undefined ? admit(c) : this.boundedAdmit(c)) return c;
      p = p + 1 === size ? 0 : p + 1;
    }
    return undefined;
  }

  onStart(): void {
    this.totalInFlight++;
  }

  onEnd(): void {
    if (this.totalInFlight > 0) this.totalInFlight--;
  }

  private readonly boundedAdmit = (c: LiveEndpoint): boolean => c.inFlight < this.capacity && this.walkAdmit(c);
}

/** Consistent hashing on `ExecuteOptions.key` ('ring' or 'maglev'), optionally with bounded load. */
export function consistentHash(o?: ConsistentHashOptions): Strategy {
  checkObject('consistentHash', o, true);
  const algorithm = o?.algorithm ?? 'ring';
  if (algorithm !== 'ring' && algorithm !== 'maglev') {
    throw new ConfigError('consistentHash.algorithm', `expected 'ring' or 'maglev', got ${describeValue(algorithm)}`);
  }
  const boundedLoad = checkOptionalNumber('consistentHash.boundedLoad', o?.boundedLoad, { min: 1 });
  if (boundedLoad === 1)
    throw new ConfigError('consistentHash.boundedLoad', 'expected a number > 1 (e.g. 1.25), got 1');
  const virtualNodes =
    checkOptionalNumber('consistentHash.virtualNodes', o?.virtualNodes, { min: 1, max: 10_000, integer: true }) ?? 160;
  const tableSize = checkOptionalNumber('consistentHash.tableSize', o?.tableSize, {
    min: 3,
    max: 5_000_011,
    integer: true,
  });
  if (tableSize !== undefined && !isPrime(tableSize)) {
    throw new ConfigError('consistentHash.tableSize', `expected a prime number (e.g. 65537), got ${tableSize}`);
  }
  const options = { ...o, algorithm, virtualNodes, boundedLoad, tableSize };
  return { name: 'consistent_hash', create: (env) => new ConsistentHashPicker(env, options) };
}

function isPrime(n: number): boolean {
  if (n < 2) return false;
  for (let d = 2; d * d <= n; d++) if (n % d === 0) return false;
  return true;
}
