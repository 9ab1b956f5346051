import type { BreakerState } from '@breakwater/core';
import type { FleetStateName } from './records.js';

/** Why this replica's breaker was allowed to probe (decides what its result means for the fleet). */
export type ProbeBasis = 'lease' | 'unhealthy' | 'local-open';

/** A local transition waiting to be written to Redis (the latest wins; intermediate ones collapse). */
export interface Desired {
  readonly state: FleetStateName;
  readonly from: BreakerState;
  readonly reason: string;
  readonly gen: number;
  readonly attempts: number;
  readonly basis: ProbeBasis | undefined;
  /** Re-publishing a state Redis lost; open for this many more ms. */
  readonly restoreOpenMs?: number;
  /** Tripped on fleet-wide totals (aggregate mode). */
  readonly aggregate?: boolean;
  /** When the breaker made the transition (store mono ms): the fleet's open period starts there too. */
  readonly since?: number;
  /** The breaker's open attempt (SharedBreakerState.openAttempt), stored with an open state. */
  readonly openAttempt?: number;
}

/**
 * What writing a local transition means for the fleet:
 * - `trip`: a replica's own evidence (quorum votes apply); `aggregate`: fleet totals tripped;
 * - `probe`: the result of a fleet probe (the lease holder's, or one made while Redis was away);
 * - `manual`: isolate / release / reset, which always win; `restore`: re-publishing a state Redis lost;
 * - `withdraw`: this replica recovered on its own while the fleet stayed closed (drop its vote);
 * - `skip`: nothing the fleet needs to hear.
 */
export type TransitionKind = 'trip' | 'probe' | 'manual' | 'restore' | 'aggregate' | 'skip' | 'withdraw';

/** Classifies a local transition against what this replica knows of the fleet. Pure. */
export function classifyTransition(
  d: Desired,
  view: { readonly state: FleetStateName; readonly gen: number },
): TransitionKind {
  const v = view.state;
  if (d.restoreOpenMs !== undefined) return 'restore';
  if (d.state === 'isolated' || d.from === 'isolated') return 'manual';
  if (d.state === 'open') {
    if (v === 'isolated') return 'skip';
    if (v === 'open') {
      if (d.from === 'half-open' && d.basis !== 'local-open') return 'probe';
      // Already open fleet-wide, but this replica's numbering is ahead (writes coalesced while one was in
      // flight, or transitions made while partitioned): write it so every replica converges on the
      // highest generation instead of keeping two numberings for the same open state.
      return d.gen > view.gen ? 'trip' : 'skip';
    }
    return d.aggregate === true ? 'aggregate' : 'trip';
  }
  if (v === 'closed') return 'withdraw';
  if (d.from === 'half-open') return d.basis === 'local-open' ? 'withdraw' : 'probe';
  return 'manual'; // reset() while the fleet is open or isolated
}
