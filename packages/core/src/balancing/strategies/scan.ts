import type { LiveEndpoint } from '../types.js';

/**
 * The slow path every strategy falls back to when its O(1) choice is not admissible (saturated):
 * the first admissible candidate from `start`, wrapping around. O(n), but only reached when the
 * cheap choice failed.
 */
export function scanFrom(
  candidates: ReadonlyArray<LiveEndpoint>,
  start: number,
  admit: (c: LiveEndpoint) => boolean,
): LiveEndpoint | undefined {
  const n = candidates.length;
  for (let k = 0; k < n; k++) {
    const c = candidates[(start + k) % n]!;
    if (admit(c)) return c;
  }
  return undefined;
}

/** Uniform index in [0, n) from a [0, 1) random source. */
export function randomIndex(random: () => number, n: number): number {
  const i = Math.floor(random() * n);
  return i < n ? i : n - 1;
}
