import type { Clock } from '../clock.js';
import type {
  BreakerLink,
  BreakerParticipant,
  BreakerStore,
  OutcomeTotals,
  SharedBreakerState,
} from '../store/types.js';
import type { Transition } from './controller.js';
import type { BreakerHost } from './host.js';
import type { BreakerState } from './types.js';

/**
 * The breaker's side of a shared {@link BreakerStore}: the participant the store sees (the breaker
 * itself does not implement the store protocol) and the link the breaker talks through. Created
 * only when a store is given.
 */
export class FleetSync implements BreakerParticipant {
  readonly name: string;
  readonly clock: Clock;
  readonly probeTimeoutMs: number;
  private readonly host: BreakerHost;
  private link: BreakerLink | undefined = undefined;

  constructor(name: string, host: BreakerHost, store: BreakerStore) {
    this.name = name;
    this.host = host;
    this.clock = host.controller.clock;
    this.probeTimeoutMs = host.controller.probeTimeoutMs;
    // A store may deliver the fleet's state inside attach(): the link is not there yet, as before.
    this.link = store.attach(this);
  }

  /** BreakerParticipant: the open period in force (see BreakerController.halfOpenAfterMs). */
  get halfOpenAfterMs(): number {
    return this.host.controller.halfOpenAfterMs;
  }

  /** BreakerParticipant: this breaker's state as the fleet should see it; `origin` is left to the store. */
  snapshot(): SharedBreakerState {
    return this.host.controller.fleetView();
  }

  /** BreakerParticipant: a state from elsewhere in the fleet; applied only when its generation is newer. */
  adopt(remote: SharedBreakerState): void {
    const host = this.host;
    // A local isolation outranks the fleet until released.
    const t = host.controller.adopt(remote, host.manual?.isolatedLocally === true);
    host.sync();
    if (t === undefined) return;
    if (t.to !== 'isolated') host.manual?.forget();
    host.commit(t);
  }

  /** BreakerParticipant: the store granted this replica the fleet's probe lease. */
  probeGranted(): void {
    const host = this.host;
    const ctl = host.controller;
    if (ctl.state === 'open' && host.manual?.isolated !== true)
      host.commit(ctl.transition('half-open', 'probe lease granted', 'fleet'));
  }

  /** BreakerParticipant: aggregate mode asks whether fleet-wide totals would trip. */
  shouldTrip(totals: OutcomeTotals): boolean {
    return this.host.controller.shouldTripOn(totals);
  }

  /** The open period is over: may this replica probe now? (See BreakerLink.requestProbe.) */
  requestProbe(): boolean {
    const link = this.link;
    return link === undefined || link.requestProbe();
  }

  /** Side-effect free: could `requestProbe()` return true now? True when the store cannot tell. */
  probeAvailable(): boolean {
    const link = this.link;
    return link === undefined || link.probeAvailable === undefined || link.probeAvailable();
  }

  /** Aggregate mode: one outcome. */
  record(failure: boolean, slow: boolean): void {
    this.link?.record(failure ? 'failure' : 'success', slow);
  }

  /** Tells the store about a transition: publishes a local one; a finished probe round frees the lease. */
  transitioned(t: Transition): void {
    const link = this.link;
    if (link === undefined) return;
    if (!t.remote) {
      link.publish(
        {
          state: t.to,
          generation: t.publishedGeneration,
          openUntil: t.openUntil,
          reason: t.reason,
          at: t.at,
          origin: '',
          openAttempt: t.openAttempt,
        },
        t.from,
        t.scope,
      );
    }
    // The round's verdict is published (or the fleet moved on without it): the lease can go to the next prober.
    if (t.from === 'half-open') link.releaseProbe();
  }

  /** Publishes a fleet state without a local transition. */
  publishFleetOnly(state: SharedBreakerState, from: BreakerState): void {
    this.link?.publish(state, from, 'fleet');
  }

  /** Detaches from the store (a probe lease held here is freed). */
  detach(): void {
    const link = this.link;
    this.link = undefined;
    link?.detach();
  }
}
