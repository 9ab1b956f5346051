import { ConfigError } from '@breakwater/core';
import { MAX_NAME_LENGTH } from './bounds.js';

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

/**
 * A name as it appears in keys: `%`, `:`, `{` and `}` percent-encoded. The tag `{prefix:name}`
 * is then unambiguous (everything after its last `:` is the name), so prefix `app` + name `x:y`
 * and prefix `app:x` + name `y` get different keys, and a brace in a name cannot move the
 * Cluster hash tag. Names without these characters are unchanged.
 */
export function escapeName(name: string): string {
  return name.replace(/[%:{}]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Keys of breaker `name` under `prefix`. */
export function breakerKeys(prefix: string, name: string): BreakerKeys {
  const tag = `{${prefix}:${escapeName(name)}}`;
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

/**
 * Throws ConfigError unless `name` can be shared through Redis: a non-empty string of at most
 * MAX_NAME_LENGTH (512) characters. Checked when a breaker attaches, so a name that could never
 * propagate fails at construction instead of silently staying local.
 */
export function checkBreakerName(name: unknown): void {
  if (typeof name !== 'string' || name.length === 0 || name.length > MAX_NAME_LENGTH) {
    const got =
      typeof name === 'string'
        ? name.length === 0
          ? 'an empty string'
          : `a string of ${name.length} characters`
        : typeof name;
    throw new ConfigError(
      'circuitBreaker.name',
      `expected a name of 1 to ${MAX_NAME_LENGTH} characters to share it through RedisBreakerStore, got ${got}`,
    );
  }
}
