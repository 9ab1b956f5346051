import { redactUrl } from '@breakwater/core/internal';

const CREDENTIALS = /\b([a-z][a-z\d+.-]*:\/\/)[^\s/@?#]*@/gi;

/** Masks `user:password@` in every URL inside free text (error messages, log lines). */
export function redactText(text: string): string {
  return text.replace(CREDENTIALS, '$1REDACTED@');
}

/**
 * A copy of `value` with credentials masked in every string that holds a URL (`url` fields are
 * passed through core's `redactUrl`, which also masks secret-looking query values). For
 * snapshots and events that leave the process (`/state`, SSE, logs). Depth-limited; cycles are
 * cut rather than followed.
 */
export function redactDeep<T>(value: T, depth = 8): T {
  return walk(value, depth, new WeakSet()) as T;
}

function walk(v: unknown, depth: number, seen: WeakSet<object>): unknown {
  if (typeof v === 'string') return v.includes('://') ? redactText(v) : v;
  if (typeof v !== 'object' || v === null) return v;
  if (depth <= 0 || seen.has(v)) return undefined;
  seen.add(v);
  if (Array.isArray(v)) return v.map((x) => walk(x, depth - 1, seen));
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    out[k] = k === 'url' && typeof x === 'string' && x.includes('://') ? redactUrl(x) : walk(x, depth - 1, seen);
  }
  return out;
}
