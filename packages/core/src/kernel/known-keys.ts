import { ConfigError } from '../errors.js';

/*
 * "Unknown option" checks with a did-you-mean hint, shared by every core factory (policies,
 * breaker, balancer); @breakwater/config suggests YAML keys with the same `suggestKey`.
 */

function normalize(s: string): string {
  return s.toLowerCase().replace(/[-_\s]/g, '');
}

/** Levenshtein distance, stopping early once every path exceeds `max`. */
function distance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev: number[] = [];
  for (let j = 0; j <= b.length; j++) prev.push(j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      cur.push(v);
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > max) return max + 1;
    prev = cur;
  }
  return prev[b.length]!;
}

/**
 * The candidate closest to `input`, or undefined when none is close. Case, `-` and `_` are
 * ignored first; then up to max(2, ⌈length / 3⌉) edits; a candidate that starts with the input or
 * the input with it (`halfOpenAfter` → `halfOpenAfterMs`) also counts as close.
 */
export function suggestKey(input: string, candidates: Iterable<string>): string | undefined {
  const n = normalize(input);
  let best: string | undefined;
  let bestScore = Math.max(2, Math.ceil(n.length / 3));
  let prefixMatch: string | undefined;
  for (const c of candidates) {
    const cn = normalize(c);
    if (cn === n) return c;
    if (prefixMatch === undefined && n.length >= 4 && (cn.startsWith(n) || n.startsWith(cn))) prefixMatch = c;
    const d = distance(n, cn, bestScore);
    if (d < bestScore || (d === bestScore && best === undefined)) {
      best = c;
      bestScore = d;
    }
  }
  return best ?? prefixMatch;
}

/**
 * Throws a {@link ConfigError} for the first own key of `options` that is not in `known`, naming
 * the path (`retry.retries`), a did-you-mean hint and the accepted keys. `aliases` maps common
 * names from other libraries to ours (`retries` → `maxAttempts`). Non-objects are left to the
 * caller's own type check. Call it at the start of a factory: construction only, never per call.
 */
export function checkKnownKeys(
  path: string,
  options: unknown,
  known: readonly string[],
  aliases?: Readonly<Record<string, string>>,
): void {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) return;
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    const hint =
      (aliases !== undefined && Object.prototype.hasOwnProperty.call(aliases, key) ? aliases[key] : undefined) ??
      suggestKey(key, known);
    const expected =
      known.length > 0 ? `expected one of ${known.map((k) => `"${k}"`).join(', ')}` : 'no options are accepted here';
    throw new ConfigError(
      `${path}.${key}`,
      `unknown option "${key}"${hint === undefined ? '' : `; did you mean "${hint}"?`} (${expected})`,
    );
  }
}
