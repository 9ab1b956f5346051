/**
 * Redis key and channel names for one prefix. Every key of one breaker shares the hash tag
 * `{<prefix>:<name>}`, so a Lua script touching several of them stays on one Cluster slot.
 */
export interface BreakerKeys {
  /** Hash with the fleet state: state, gen, openUntil, reason, at, origin. */
  readonly state: string;
  /** Sorted set of quorum votes: member = instance id, score = expiry (Redis ms). */
  readonly votes: string;
  /** The fleet probe lease (`SET NX PX`), value = holder's instance id. */
  readonly probe: string;
  /** Aggregate-mode bucketed outcome counts. */
  readonly counts: string;
}

/** Keys of breaker `name` under `prefix`. */
export function breakerKeys(prefix: string, name: string): BreakerKeys {
  const tag = `{${prefix}:${name}}`;
  return { state: tag, votes: `${tag}:votes`, probe: `${tag}:probe`, counts: `${tag}:counts` };
}

/** Pub/sub channel carrying transitions for one prefix. */
export function eventsChannel(prefix: string): string {
  return `${prefix}:events`;
}

/**
 * Sorted set of known breaker names (score = last seen, Redis ms), read by the CLI. Its own hash
 * tag keeps it on one slot regardless of the breakers'.
 */
export function registryKey(prefix: string): string {
  return `{${prefix}}:breakers`;
}
