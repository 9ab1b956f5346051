/** "Did you mean" suggestions for misspelt keys and names. */

function normalize(s: string): string {
  return s.toLowerCase().replace(/[-_\s]/g, '');
}

/** Levenshtein distance, capped early when it exceeds `max`. */
function distance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const v = Math.min((prev[j] as number) + 1, (cur[j - 1] as number) + 1, (prev[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
      cur.push(v);
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > max) return max + 1;
    prev = cur;
  }
  return prev[b.length] as number;
}

/**
 * The candidate closest to `input`, or undefined when none is close. Case, `-` and `_` are
 * ignored first (`maxConnections` → `max_connections`), then up to ~1 edit per 3 characters.
 */
export function suggest(input: string, candidates: Iterable<string>): string | undefined {
  const n = normalize(input);
  let best: string | undefined;
  let bestScore = Math.max(2, Math.floor(n.length / 3));
  for (const c of candidates) {
    const cn = normalize(c);
    if (cn === n) return c;
    const d = distance(n, cn, bestScore);
    if (d < bestScore || (d === bestScore && best === undefined)) {
      best = c;
      bestScore = d;
    }
  }
  return best;
}
