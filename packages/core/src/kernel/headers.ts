/**
 * Reading headers from the shapes the three ecosystems use: WHATWG `Headers`, axios'
 * `AxiosHeaders` (has `get`), and plain records (`Record<string, string | string[]>`).
 */

/** Anything we can read a header from. */
export type HeaderSource = { get(name: string): unknown } | Record<string, unknown> | undefined | null;

/** Returns the first value of header `name` (case-insensitive), or undefined. Never throws. */
export function readHeader(headers: HeaderSource, name: string): string | undefined {
  if (headers === undefined || headers === null || typeof headers !== 'object') return undefined;
  try {
    const getter = (headers as { get?: unknown }).get;
    let v: unknown;
    if (typeof getter === 'function') {
      v = (getter as (n: string) => unknown).call(headers, name);
    } else {
      const rec = headers as Record<string, unknown>;
      v = rec[name];
      if (v === undefined) {
        const lower = name.toLowerCase();
        for (const k of Object.keys(rec)) {
          if (k.toLowerCase() === lower) {
            v = rec[k];
            break;
          }
        }
      }
    }
    if (Array.isArray(v)) v = v[0];
    if (v === undefined || v === null || v === false) return undefined;
    return String(v);
  } catch {
    return undefined;
  }
}
