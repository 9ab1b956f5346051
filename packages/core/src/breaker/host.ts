import type { BreakerController, Transition } from './controller.js';

/**
 * What the breaker's helpers (fleet sync, manual control) see of the breaker they serve: its
 * controller and the one place a transition's effects are carried out. Internal.
 */
export interface BreakerHost {
  readonly controller: BreakerController;
  /** Carries out a transition: clears the ended round's timer, tells the store, emits `stateChange`. */
  commit(t: Transition): void;
  /** The controller's generation moved without a transition (re-numbered by the fleet, a fleet-only publish). */
  sync(): void;
  /** Manual control, once isolate() or reset() was used. */
  readonly manual: { readonly isolated: boolean; readonly isolatedLocally: boolean; forget(): void } | undefined;
  /** Tells the fleet `state` without a local transition (isolation handles of mixed scope). */
  publishFleetOnly(state: 'isolated' | 'closed', reason: string): void;
}
