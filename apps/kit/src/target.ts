/** A request target in origin form (`/path?query`), parsed without throwing. */
export interface RequestTarget {
  /** Percent-encoded path as sent, always starting with a single `/`. */
  path: string;
  query: URLSearchParams;
}

const BASE = 'http://target.invalid';

/**
 * Parses `req.url` as an origin-form request target, or returns `undefined` (answer 400).
 *
 * `new URL(req.url, base)` throws on targets such as `//`, `//@` or `//[::1` (a leading `//`
 * makes them scheme-relative URLs with a bad authority) and silently re-interprets `//evil/x`
 * as host `evil`. Only origin form is accepted: one leading `/`, not two; absolute form, the
 * `*` of OPTIONS and anything else are refused. Never throws.
 */
export function parseTarget(raw: string | undefined): RequestTarget | undefined {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > 65_536) return undefined;
  if (raw[0] !== '/' || raw[1] === '/' || raw[1] === '\\') return undefined;
  try {
    // Concatenated, never resolved against a base: the target cannot change the authority.
    const url = new URL(BASE + raw);
    if (url.origin !== BASE) return undefined;
    return { path: url.pathname, query: url.searchParams };
  } catch {
    return undefined;
  }
}
