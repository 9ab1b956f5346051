import { readFileSync } from 'node:fs';
import { ConfigError } from '@breakwater/core';
import { parseDocument } from 'yaml';
import { configErrorFrom, toConfigIssues } from './issues.js';
import { configSchema, type BreakwaterConfig } from './schema/config.js';

/** Where a config comes from: a file (format from its extension) or text. */
export type ConfigSource = { path: string } | { text: string; format?: 'yaml' | 'json' };

function parseText(text: string, format: 'yaml' | 'json', origin: string): unknown {
  if (format === 'json') {
    try {
      return JSON.parse(text) as unknown;
    } catch (e) {
      throw new ConfigError('', `expected valid JSON in ${origin}, got a syntax error: ${(e as Error).message}`);
    }
  }
  // uniqueKeys: a duplicated key is almost always a mistake and YAML would keep only the last one.
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0) {
    const issues = doc.errors.map((e) => {
      const pos = e.linePos?.[0];
      const where = pos === undefined ? '' : ` at line ${pos.line}, column ${pos.col}`;
      return { path: '', message: `expected valid YAML in ${origin}${where}, got: ${e.message.split('\n')[0] ?? e.code}` };
    });
    throw configErrorFrom(issues);
  }
  try {
    return doc.toJS({ maxAliasCount: 100 }) as unknown;
  } catch (e) {
    // Alias bombs and the like.
    throw new ConfigError('', `expected valid YAML in ${origin}, got: ${(e as Error).message}`);
  }
}

/**
 * Validates a parsed tree (from YAML, JSON or code) into a typed config. Every problem is
 * collected: the thrown ConfigError has the first one's `path` and all of them in `issues`.
 */
export function parseConfig(tree: unknown): BreakwaterConfig {
  const result = configSchema.safeParse(tree);
  if (result.success) return result.data;
  throw configErrorFrom(toConfigIssues(result.error.issues, tree, configSchema));
}

/**
 * Loads a config from a YAML or JSON file (format from the extension: `.json` is JSON, anything
 * else YAML) or from text. Durations become milliseconds, percentages numbers 0..100.
 * @throws ConfigError (code `BW_CONFIG`) with the dotted `path` of the first problem and `issues`.
 */
export function loadConfig(source: ConfigSource): BreakwaterConfig {
  if (source === null || typeof source !== 'object') throw new ConfigError('', `expected { path } or { text, format? }, got ${typeof source}`);
  if ('path' in source) {
    if (typeof source.path !== 'string') throw new ConfigError('', `expected a file path string, got ${typeof source.path}`);
    let text: string;
    try {
      text = readFileSync(source.path, 'utf8');
    } catch (e) {
      throw new ConfigError('', `expected a readable config file at "${source.path}", got: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    return parseConfig(parseText(text, /\.json$/i.test(source.path) ? 'json' : 'yaml', `"${source.path}"`));
  }
  if (typeof source.text !== 'string') throw new ConfigError('', `expected config text as a string, got ${typeof source.text}`);
  const format = source.format ?? 'yaml';
  if (format !== 'yaml' && format !== 'json') throw new ConfigError('format', `expected "yaml" or "json", got ${JSON.stringify(format)}`);
  return parseConfig(parseText(source.text, format, 'the config text'));
}
