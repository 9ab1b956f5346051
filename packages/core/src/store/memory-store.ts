import type { BreakerState } from '../kernel/breaker-state.js';
import { systemClock } from '../clock.js';
import { ClosedError } from '../errors.js';
import { sequenceGeneration } from './generation.js';
import type {
  BreakerLink,
  BreakerParticipant,
  BreakerStore,
  ParticipantCallbacks,
  ParticipantView,
  SharedBreakerState,
} from './types.js';

/**
 * What {@link memoryBreakerStore} returns: a {@link BreakerStore} that can also be inspected, for
 * tests and single-process demos.
 */
export interface MemoryBreakerStore extends BreakerStore {
  /** The fleet state of `name`, if any breaker published one. */
  stateOf(name: string): SharedBreakerState | undefined;
  /** Number of breakers attached under `name`. */
  members(name: string): number;
}

/** One attached breaker: read, and told about newer fleet states (the lease is decided here, in-process). */
interface Member {
  readonly participant: ParticipantView & Pick<ParticipantCallbacks, 'adopt'>;
  readonly id: string;
  attached: boolean;
}

/** The shared state of one breaker name. */
interface Entry {
  shared: SharedBreakerState | undefined;
  readonly members: Set<Member>;
  /** The fleet probe lease: who may go half-open, and until when at the latest. */
  lease: { holder: Member; expiresAt: number } | undefined;
}

/**
 * The in-process {@link MemoryBreakerStore}: breakers with the same name attached to one store share state,
 * exactly as replicas do through Redis, so a single process (the demo without Redis, tests) gets
 * the same fleet semantics.
 *
 * - A transition published by one breaker is adopted by the others (`remote: true`) in a
 *   microtask — never synchronously inside the publisher's own transition.
 * - The store sequences generations: a publish whose generation is not newer than the stored one
 *   (two breakers transitioned concurrently) is re-numbered after it and delivered to every member,
 *   the publisher included, so all converge on the last writer.
 * - 'half-open' is never forwarded; one probe lease per name goes to the first breaker asking after
 *   its open period. The lease lasts while its holder is half-open, and at most the holder's
 *   `probeTimeoutMs` (or `halfOpenAfterMs`) once it is not, so a dead holder cannot block probes.
 * - `scope: 'local'` publishes (local isolation) stay local.
 * - A name's state is dropped when its last breaker detaches; `close()` detaches everyone (they
 *   carry on locally) and attaching a breaker afterwards throws `ClosedError` (`BW_CLOSED`).
 */
class InProcessStore implements MemoryBreakerStore {
  private readonly entries = new Map<string, Entry>();
  private closed = false;
  private nextId = 1;

  /** @throws ClosedError after `close()`. */
  attach(participant: BreakerParticipant): BreakerLink {
    if (this.closed) throw new ClosedError('memoryBreakerStore');
    let entry = this.entries.get(participant.name);
    if (entry === undefined) {
      entry = { shared: undefined, members: new Set(), lease: undefined };
      this.entries.set(participant.name, entry);
    }
    const member: Member = { participant, id: `memory-${this.nextId++}`, attached: true };
    entry.members.add(member);
    const shared = entry.shared;
    if (shared !== undefined) this.deliver(member, shared);
    const store = this;
    const e = entry;
    return {
      publish: (next, from, scope) => store.publish(e, member, next, from, scope),
      requestProbe: () => store.requestProbe(e, member),
      probeAvailable: () => store.probeAvailable(e, member),
      releaseProbe: () => {
        if (e.lease?.holder === member) e.lease = undefined;
      },
      record() {},
      detach: () => store.detach(e, member),
    };
  }

  stateOf(name: string): SharedBreakerState | undefined {
    return this.entries.get(name)?.shared;
  }

  members(name: string): number {
    return this.entries.get(name)?.members.size ?? 0;
  }

  /** Detaches every breaker (each carries on locally); later `attach()` throws ClosedError. Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    for (const entry of this.entries.values()) for (const m of entry.members) m.attached = false;
    this.entries.clear();
  }

  private publish(
    entry: Entry,
    member: Member,
    next: SharedBreakerState,
    _from: BreakerState,
    scope: 'local' | 'fleet' | undefined,
  ): void {
    if (!member.attached || scope === 'local' || next.state === 'half-open') return;
    const current = entry.shared;
    const generation =
      current === undefined ? next.generation : sequenceGeneration(current.generation, next.generation);
    const stale = generation !== next.generation;
    const shared: SharedBreakerState = { ...next, generation, origin: member.id };
    entry.shared = shared;
    for (const m of entry.members) if (m !== member || stale) this.deliver(m, shared);
  }

  private requestProbe(entry: Entry, member: Member): boolean {
    if (!member.attached) return true;
    const now = (member.participant.clock ?? systemClock).now();
    const lease = entry.lease;
    if (lease !== undefined && lease.holder !== member && lease.holder.attached) {
      const holderProbing = lease.holder.participant.snapshot().state === 'half-open';
      if (holderProbing || now < lease.expiresAt) return false;
    }
    const p = member.participant;
    entry.lease = { holder: member, expiresAt: now + (p.probeTimeoutMs ?? p.halfOpenAfterMs) };
    return true;
  }

  /** `requestProbe()` without taking the lease: false while another live breaker holds it. */
  private probeAvailable(entry: Entry, member: Member): boolean {
    const lease = entry.lease;
    if (!member.attached || lease === undefined || lease.holder === member || !lease.holder.attached) return true;
    // The expiry first: it needs no snapshot (an allocation), and it decides while the lease is fresh.
    if ((member.participant.clock ?? systemClock).now() < lease.expiresAt) return false;
    return lease.holder.participant.snapshot().state !== 'half-open';
  }

  private detach(entry: Entry, member: Member): void {
    if (!member.attached) return;
    member.attached = false;
    entry.members.delete(member);
    if (entry.lease?.holder === member) entry.lease = undefined;
    if (entry.members.size === 0 && this.entries.get(member.participant.name) === entry)
      this.entries.delete(member.participant.name);
  }

  /** Delivers in a microtask so a breaker never re-enters itself mid-transition. */
  private deliver(member: Member, state: SharedBreakerState): void {
    queueMicrotask(() => {
      if (member.attached) member.participant.adopt(state);
    });
  }
}

/**
 * Creates an in-process shared breaker store: breakers with the same name attached to it share
 * state (transitions, isolation, one fleet-wide probe). The stand-in for `RedisBreakerStore` when
 * every "replica" lives in one process.
 *
 * @example
 * const store = memoryBreakerStore();
 * const a = circuitBreaker({ name: 'orders', store });
 * const b = circuitBreaker({ name: 'orders', store }); // opens when `a` opens
 */
export function memoryBreakerStore(): MemoryBreakerStore {
  return new InProcessStore();
}
