/**
 * Generation arithmetic of the breaker protocol, in one place. A generation numbers a breaker's
 * transitions: every transition gets a number greater than every one its maker has seen, and a
 * replica adopts a remote state only when its generation is newer than the fleet's it last saw.
 *
 * Used by the breaker's controller (local and fleet counters), the in-memory store (sequencing
 * concurrent publishes) and the Redis store (its group and, mirrored in Lua, its transition
 * script — `packages/redis` tests that the Lua copy agrees with {@link sequenceGeneration}).
 */

/**
 * The generation after `previous` that is also at least `atLeast`: `max(previous + 1, atLeast)`.
 * - a breaker's own transition: `nextGeneration(local, fleet)` (the local counter never falls
 *   behind the fleet's);
 * - a remote state handed to a breaker: `nextGeneration(its own, the fleet's)` (newer than its own,
 *   so it is adopted);
 * - a store sequencing a publish: `nextGeneration(stored, proposed)` (a stale proposal is numbered
 *   after the stored one).
 */
export function nextGeneration(previous: number, atLeast: number): number {
  return Math.max(previous + 1, atLeast);
}

/** True when a state numbered `candidate` is newer than the generation `seen` (and must be adopted). */
export function isNewerGeneration(candidate: number, seen: number): boolean {
  return candidate > seen;
}

/**
 * The generation a store gives a published transition: {@link nextGeneration} of the stored one
 * and the proposed one, wrapping back to 1 past `maxGen` (Redis keeps generations exact in Lua
 * doubles). The Redis transition script mirrors this function.
 */
export function sequenceGeneration(
  stored: number,
  proposed: number,
  maxGen: number = Number.POSITIVE_INFINITY,
): number {
  const gen = nextGeneration(stored, proposed);
  return gen > maxGen ? 1 : gen;
}
