import type { BreakerHost } from './host.js';

/** isolate() handles not yet released, by scope. */
interface Isolation {
  local: number;
  fleet: number;
}

/**
 * Manual control of one breaker (as Polly's CircuitBreakerManualControl): counted `isolate()`
 * handles and `reset()`. Created on first use, so a breaker never controlled by hand carries none.
 */
export class ManualControl {
  /**
   * Handles hold this object: once isolation ends other than by their release (reset, a remote
   * state) it is replaced, and older handles go inert.
   */
  private isolation: Isolation | undefined = undefined;

  constructor(private readonly host: BreakerHost) {}

  /** True while at least one handle is held. */
  get isolated(): boolean {
    return this.isolation !== undefined;
  }

  /** True while a local-scope handle is held. */
  get isolatedLocally(): boolean {
    const iso = this.isolation;
    return iso !== undefined && iso.local > 0;
  }

  /** Makes the outstanding handles inert (the fleet left isolation). */
  forget(): void {
    this.isolation = undefined;
  }

  /**
   * Forces the breaker into `isolated` until every returned handle is released: handles are
   * counted, `release()` is idempotent per handle. `local` keeps the isolation to this instance;
   * otherwise it is published to the fleet (when a store is attached). `reset()` or the fleet
   * leaving isolation ends it at once and makes the outstanding handles inert.
   */
  isolate(local: boolean): { release(): void } {
    const host = this.host;
    const ctl = host.controller;
    const token = (this.isolation ??= { local: 0, fleet: 0 });
    if (local) token.local++;
    else token.fleet++;
    if (ctl.state !== 'isolated')
      host.commit(ctl.transition('isolated', local ? 'isolated locally' : 'isolated', local ? 'local' : 'fleet'));
    else if (!local && ctl.fleetState !== 'isolated') host.publishFleetOnly('isolated', 'isolated');
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        if (this.isolation !== token) return;
        if (local) token.local--;
        else token.fleet--;
        if (token.local + token.fleet > 0) {
          // The last fleet handle went while a local one remains: the fleet is released, this instance stays isolated.
          if (!local && token.fleet === 0 && ctl.fleetState === 'isolated') host.publishFleetOnly('closed', 'released');
          return;
        }
        this.isolation = undefined;
        host.commit(ctl.transition('closed', 'released', local ? 'local' : 'fleet'));
      },
    };
  }

  /** Forces the breaker closed with an empty window (fleet-wide unless only locally isolated). */
  reset(): void {
    const iso = this.isolation;
    const local = iso !== undefined && iso.local > 0 && iso.fleet === 0;
    this.isolation = undefined;
    const ctl = this.host.controller;
    if (ctl.state === 'closed') ctl.clearWindow();
    else this.host.commit(ctl.transition('closed', 'reset', local ? 'local' : 'fleet'));
  }
}
