/**
 * What the store accepts from Redis. Anyone who can write to Redis can trip or reset breakers,
 * but a record outside these bounds is refused (and overwritten by the next write), so no value
 * written there can wedge a breaker or a replica.
 */

/** Highest generation accepted (2^40): far beyond any real transition count, exact in Lua doubles. */
export const MAX_GEN = 2 ** 40;

/** A generation more than this far ahead of the one a replica last saw is refused as forged. */
export const MAX_GEN_JUMP = 1_000_000;

/** Longest reason / origin text stored or accepted. */
export const MAX_TEXT = 1000;

/** Longest breaker name a store accepts (validated when a breaker attaches). */
export const MAX_NAME_LENGTH = 512;

/** Open periods ending further away than this are refused: max(halfOpenAfterMs × 100, 24 h). */
export function maxOpenMsFor(halfOpenAfterMs: number): number {
  return Math.max(halfOpenAfterMs * 100, 24 * 3600_000);
}

/** Highest generation acceptable after `seen` (0 = nothing seen yet: only the absolute bound). */
export function maxGenAfter(seen: number): number {
  return seen > 0 ? Math.min(MAX_GEN, seen + MAX_GEN_JUMP) : MAX_GEN;
}
