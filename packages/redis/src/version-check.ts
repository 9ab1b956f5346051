import type { BreakerGroup } from './breaker-group.js';
import { isCluster } from './connections.js';
import type { ReadDeps } from './read-all.js';

/** Keys per script call (bounded argument list). */
const CHUNK = 1000;

/**
 * The cheap, frequent check that what this replica knows still matches Redis: the stored
 * generation of every breaker (one script per 1000 breakers on a standalone Redis, one HGET per
 * breaker on a Cluster). A breaker whose generation differs — a transition whose message was
 * lost, a FLUSHALL, an eviction — is re-read at once. Returns how many were re-read.
 */
export async function checkVersions(d: ReadDeps, groups: readonly BreakerGroup[]): Promise<number> {
  if (groups.length === 0) return 0;
  let gens: unknown[];
  if (isCluster(d.cmd)) {
    gens = await Promise.all(
      groups.map((g) =>
        d
          .run(() => d.scripts.hget(g.keys.state, 'gen'))
          .then(
            (v) => v ?? '',
            () => '?',
          ),
      ),
    );
  } else {
    gens = [];
    for (let i = 0; i < groups.length; i += CHUNK) {
      const keys = groups.slice(i, i + CHUNK).map((g) => g.keys.state);
      const part = await d.run(() => d.scripts.bwGens(keys.length, ...keys));
      gens.push(...(Array.isArray(part) ? part : keys.map(() => '?')));
    }
  }
  let stale = 0;
  groups.forEach((g, i) => {
    const raw = gens[i];
    if (typeof raw === 'string' && g.outdatedBy(raw)) {
      stale += 1;
      g.refresh();
    }
  });
  return stale;
}
