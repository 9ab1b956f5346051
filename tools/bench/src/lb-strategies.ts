import {
  adaptive,
  consistentHash,
  leastConnections,
  p2cEwma,
  roundRobin,
  weightedLeastConnections,
  weightedRoundRobin,
  type Strategy,
} from '@breakwater/core';

/** One strategy the pick() benchmark measures. */
export interface PickSubject {
  readonly name: string;
  readonly make: () => Strategy;
  /** Picks pass a key (consistent hashing); the harness cycles 1024 keys. */
  readonly keyed: boolean;
  /** Target ns per pick at 10k endpoints, from the issue; undefined = no target. */
  readonly targetNs?: number;
}

/** Every strategy of the pick() table, in table order. */
export const PICK_SUBJECTS: readonly PickSubject[] = [
  { name: 'roundRobin', make: roundRobin, keyed: false, targetNs: 200 },
  { name: 'weightedRoundRobin', make: weightedRoundRobin, keyed: false, targetNs: 200 },
  { name: 'leastConnections', make: leastConnections, keyed: false, targetNs: 1000 },
  { name: 'weightedLeastConnections', make: weightedLeastConnections, keyed: false },
  { name: 'p2cEwma', make: () => p2cEwma(), keyed: false, targetNs: 200 },
  { name: 'consistentHash ring', make: () => consistentHash(), keyed: true },
  { name: 'consistentHash maglev', make: () => consistentHash({ algorithm: 'maglev' }), keyed: true, targetNs: 200 },
  {
    name: 'consistentHash maglev, boundedLoad 1.25',
    make: () => consistentHash({ algorithm: 'maglev', boundedLoad: 1.25 }),
    keyed: true,
  },
  { name: 'adaptive', make: () => adaptive(), keyed: false },
];
