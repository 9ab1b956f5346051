import { ConfigError } from '@breakwater/core';
import type { z } from 'zod';
import { knownKeysAt, type WalkableSchema } from './schema-walk.js';
import { suggest } from './suggest.js';

/** One problem in a config file. */
export interface ConfigIssue {
  path: string;
  message: string;
}

/** Formats a path as `load_balancer.servers[0].weight`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else {
      const s = String(seg);
      out += /^[A-Za-z_$][\w$-]*$/.test(s) ? (out === '' ? s : `.${s}`) : `[${JSON.stringify(s)}]`;
    }
  }
  return out;
}

const SECRET_KEY = /pass(word)?|secret|token|api[-_]?key|auth|cookie|credential/i;

/**
 * Masks credentials anywhere in a string: `scheme://user:pass@host` (and `//user@`), and a bare
 * `user:pass@host`. Used for every value a message echoes, whatever its key is called.
 */
export function redactCredentials(value: string): string {
  return value.replace(/(\/\/)[^/@\s]*@/g, '$1REDACTED@').replace(/^[^:/@\s]+:[^@\s]+@/, 'REDACTED@');
}

/** Describes what was found, briefly and without leaking credentials. */
export function describeValue(value: unknown, key?: PropertyKey): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return `a list of ${value.length}`;
  switch (typeof value) {
    case 'string': {
      if (typeof key === 'string' && SECRET_KEY.test(key)) return 'a string (not shown: the key looks secret)';
      const safe = redactCredentials(value);
      const shown = safe.length > 60 ? `${safe.slice(0, 57)}...` : safe;
      return JSON.stringify(shown);
    }
    case 'number':
    case 'boolean':
    case 'bigint':
      return String(value);
    case 'object':
      return 'a mapping';
    default:
      return typeof value;
  }
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let cur = root;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    const key = typeof seg === 'symbol' ? seg : String(seg);
    cur = Object.hasOwn(cur, key) ? (cur as Record<PropertyKey, unknown>)[key] : undefined;
  }
  return cur;
}

const TYPE_NAMES: Record<string, string> = {
  number: 'a number',
  int: 'an integer',
  string: 'a string',
  boolean: 'true or false',
  object: 'a mapping',
  array: 'a list',
  record: 'a mapping',
};

function bound(
  kind: 'min' | 'max',
  issue: { origin?: string; inclusive?: boolean; minimum?: unknown; maximum?: unknown },
): string {
  const n = kind === 'min' ? issue.minimum : issue.maximum;
  if (issue.origin === 'array')
    return kind === 'min' ? `a list with at least ${String(n)} item(s)` : `a list with at most ${String(n)} item(s)`;
  if (issue.origin === 'string')
    return kind === 'min'
      ? `a string of at least ${String(n)} character(s)`
      : `a string of at most ${String(n)} character(s)`;
  const op = kind === 'min' ? (issue.inclusive ? '≥' : '>') : issue.inclusive ? '≤' : '<';
  return `a number ${op} ${String(n)}`;
}

/** Turns zod issues into our issues: dotted paths, "expected X, got Y", did-you-mean for unknown keys. */
export function toConfigIssues(
  issues: readonly z.core.$ZodIssue[],
  input: unknown,
  schema: WalkableSchema,
  prefix: readonly PropertyKey[] = [],
): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const issue of issues) {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeysAt(schema, issue.path);
      for (const key of issue.keys) {
        const hint = suggest(key, known);
        const expected =
          known.length > 0 ? `expected one of ${known.map((k) => `"${k}"`).join(', ')}` : 'no keys are allowed here';
        out.push({
          path: formatPath([...path, key]),
          message: `unknown key "${key}"${hint === undefined ? '' : `; did you mean "${hint}"?`} (${expected})`,
        });
      }
      continue;
    }
    const found = valueAt(input, issue.path);
    // The key that names the value: for a list item (`secret[1]`), the list's key.
    const last = issue.path.findLast((seg) => typeof seg === 'string');
    let expected: string;
    switch (issue.code) {
      case 'invalid_type':
        expected = issue.message.startsWith('expected')
          ? issue.message
          : `expected ${TYPE_NAMES[issue.expected] ?? issue.expected}`;
        if (found === undefined) {
          out.push({ path: formatPath(path), message: `is required: ${expected}` });
          continue;
        }
        break;
      case 'too_small':
        expected = `expected ${bound('min', issue)}`;
        break;
      case 'too_big':
        expected = `expected ${bound('max', issue)}`;
        break;
      case 'invalid_value': {
        const values = issue.values.map((v) => JSON.stringify(v));
        const hint =
          typeof found === 'string' ? suggest(redactCredentials(found), issue.values.map(String)) : undefined;
        expected = `expected one of ${values.join(', ')}${hint === undefined ? '' : ` (did you mean "${hint}"?)`}`;
        break;
      }
      default:
        expected = issue.message.startsWith('expected') ? issue.message : `expected a valid value (${issue.message})`;
    }
    out.push({ path: formatPath(path), message: `${expected}, got ${describeValue(found, last)}` });
  }
  return out;
}

/** One ConfigError carrying every issue; `path`/message are the first issue's. */
export function configErrorFrom(issues: readonly ConfigIssue[]): ConfigError {
  const first = issues[0] ?? { path: '', message: 'invalid config' };
  const more =
    issues.length > 1
      ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? 's' : ''}: ${issues
          .slice(1, 6)
          .map((i) => `${i.path || '<root>'}: ${i.message}`)
          .join('; ')}${issues.length > 6 ? '; ...' : ''})`
      : '';
  return new ConfigError(first.path, `${first.message}${more}`, issues);
}
