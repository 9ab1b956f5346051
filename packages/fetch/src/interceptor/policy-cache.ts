import type { Policy } from '@breakwater/core';

/**
 * The policies of the origins seen, most recently used last, at most `max` of them. A process
 * talking to an unbounded set of origins (a crawler, webhooks to customer URLs) must not grow a
 * breaker per origin forever: the least recently used origin's policy is dropped (and handed to
 * `onEvict`, e.g. to dispose its breaker); its next request asks `policyFor` again.
 */
export class PolicyCache {
  private readonly entries = new Map<string, Policy | undefined>();

  constructor(
    private readonly policyFor: (origin: string) => Policy | undefined,
    private readonly max: number,
    private readonly onEvict: ((origin: string, policy: Policy) => void) | undefined,
  ) {}

  /** The policy of `origin` (undefined: pass its requests through untouched). */
  get(origin: string): Policy | undefined {
    const entries = this.entries;
    if (entries.has(origin)) {
      const p = entries.get(origin);
      // Move to the most recent end (Map keeps insertion order). Skipped when already there.
      if (entries.size > 1) {
        entries.delete(origin);
        entries.set(origin, p);
      }
      return p;
    }
    const policy = this.policyFor(origin);
    entries.set(origin, policy);
    if (entries.size > this.max) {
      const [oldest, old] = entries.entries().next().value as [string, Policy | undefined];
      entries.delete(oldest);
      if (old !== undefined && this.onEvict !== undefined) {
        try {
          this.onEvict(oldest, old);
        } catch {
          /* an eviction hook must not fail a request */
        }
      }
    }
    return policy;
  }

  /** Number of origins held. */
  get size(): number {
    return this.entries.size;
  }
}
