import type { ConfigIssue } from './issues.js';
import { formatPath } from './issues.js';

/** `${NAME}` or `${NAME:-default}`; `$${` is a literal `${`. */
const REFERENCE = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;
const MAX_DEPTH = 64;

/**
 * Replaces `${NAME}` (and `${NAME:-default}`) in every string value of a parsed config tree
 * with `env[NAME]`. Runs on parsed values, never on the YAML text, so a variable's content cannot
 * change the document's structure. Keys are left alone. A reference to an unset variable with no
 * default is an issue at the value's path.
 */
export function interpolateEnv(
  tree: unknown,
  env: Readonly<Record<string, string | undefined>>,
  issues: ConfigIssue[],
): unknown {
  const walk = (value: unknown, path: PropertyKey[]): unknown => {
    if (typeof value === 'string') return value.includes('$') ? substitute(value, path) : value;
    if (path.length > MAX_DEPTH || value === null || typeof value !== 'object') return value;
    if (Array.isArray(value)) return value.map((v, i) => walk(v, [...path, i]));
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = walk(v, [...path, k]);
    return out;
  };
  const substitute = (s: string, path: PropertyKey[]): string =>
    s.replace(REFERENCE, (whole: string, name: string | undefined, fallback: string | undefined) => {
      if (name === undefined) return '${';
      const v = Object.hasOwn(env, name) ? env[name] : undefined;
      if (v !== undefined && v !== '') return v;
      if (fallback !== undefined) return fallback;
      issues.push({
        path: formatPath(path),
        message:
          `expected environment variable ${name} to be set ` +
          `(referenced as ${whole}; write \${${name}:-default} for a default)`,
      });
      return '';
    });
  return walk(tree, []);
}
