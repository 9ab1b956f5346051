import { readFileSync } from 'node:fs';
import { ConfigError } from '@breakwater/core';
import { isMap, isScalar, LineCounter, parseDocument, visit } from 'yaml';
import { interpolateEnv } from './env.js';
import { configErrorFrom, toConfigIssues, type ConfigIssue } from './issues.js';
import { configSchema, type BreakwaterConfig } from './schema/config.js';
import { emitConfigWarning, WARNING, withWarnings, type ConfigWarning } from './warnings.js';

/** Options of {@link loadConfig}. */
export interface LoadConfigOptions {
  /**
   * Enables `${NAME}` / `${NAME:-default}` in string values, read from this object (usually
   * `process.env`), so secrets such as `redis.url: ${REDIS_URL}` stay out of files. Without it,
   * `${...}` is kept literally. An unset variable without a default is a ConfigError.
   */
  env?: Readonly<Record<string, string | undefined>>;
  /**
   * Receives each warning (a bare number of ms that looks like seconds, YAML warnings). Default:
   * one `process.emitWarning` (code `BW_CONFIG_WARNING`) per distinct warning.
   */
  onWarning?: (warning: ConfigWarning) => void;
}

/** Where a config comes from: a file (format from its extension) or text. */
export type ConfigSource = { path: string } | { text: string; format?: 'yaml' | 'json' };

function parseText(text: string, format: 'yaml' | 'json', origin: string, yamlWarnings: ConfigWarning[]): unknown {
  if (format === 'json') {
    try {
      return JSON.parse(text) as unknown;
    } catch (e) {
      throw new ConfigError('', `expected valid JSON in ${origin}, got a syntax error: ${(e as Error).message}`);
    }
  }
  // uniqueKeys: a duplicated key is almost always a mistake and YAML would keep only the last one.
  // logLevel 'silent': the yaml library must not print into the host process; we report instead.
  const lines = new LineCounter();
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: false, lineCounter: lines, logLevel: 'silent' });
  const at = (offset: number | undefined): string => {
    if (offset === undefined) return '';
    const { line, col } = lines.linePos(offset);
    return ` at line ${line}, column ${col}`;
  };
  const issues: ConfigIssue[] = doc.errors.map((e) => {
    let message = e.message.split('\n')[0] ?? e.code;
    if (e.code === 'DUPLICATE_KEY') {
      const key = (/^[^:\n]*/.exec(text.slice(e.pos[0], e.pos[0] + 200))?.[0] ?? '').trim().replace(/^["']|["']$/g, '');
      if (key !== '' && key.length <= 60) message = `${message} (key ${JSON.stringify(key)} appears twice)`;
    }
    return { path: '', message: `expected valid YAML in ${origin}${at(e.pos[0])}, got: ${message}` };
  });
  // A list or mapping used as a key would be stringified into a meaningless key: refuse it.
  visit(doc, {
    Pair(_, pair) {
      if (pair.key !== null && typeof pair.key === 'object' && !isScalar(pair.key)) {
        const range = (pair.key as { range?: [number, number, number] }).range;
        issues.push({
          path: '',
          message:
            `expected valid YAML in ${origin}${at(range?.[0])}, ` +
            `got: a ${isMap(pair.key) ? 'mapping' : 'list'} used as a key (keys must be plain names)`,
        });
      }
    },
  });
  if (issues.length > 0) throw configErrorFrom(issues);
  for (const w of doc.warnings)
    yamlWarnings.push({ path: '', message: `YAML in ${origin}${at(w.pos[0])}: ${w.message.split('\n')[0] ?? w.code}` });
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
export function parseConfig(tree: unknown, onWarning?: (warning: ConfigWarning) => void): BreakwaterConfig {
  // Pass 1 reports warnings as flagged issues (zod gives them their paths); pass 2 builds the value.
  const checked = withWarnings(() => configSchema.safeParse(tree));
  const all = checked.success ? [] : checked.error.issues;
  const errors = all.filter((i) => !isWarning(i));
  if (errors.length > 0) throw configErrorFrom(toConfigIssues(errors, tree, configSchema));
  const warn = onWarning ?? emitConfigWarning;
  for (const w of all) warn({ path: toConfigIssues([w], tree, configSchema)[0]?.path ?? '', message: w.message });
  const result = configSchema.safeParse(tree);
  if (result.success) return result.data;
  throw configErrorFrom(toConfigIssues(result.error.issues, tree, configSchema));
}

function isWarning(issue: { code: string; params?: Record<string, unknown> }): boolean {
  return issue.code === 'custom' && issue.params?.[WARNING] === true;
}

/**
 * Loads a config from a YAML or JSON file (format from the extension: `.json` is JSON, anything
 * else YAML) or from text. Durations become milliseconds, percentages numbers 0..100.
 * @throws ConfigError (code `BW_CONFIG`) with the dotted `path` of the first problem and `issues`.
 */
export function loadConfig(source: ConfigSource, options: LoadConfigOptions = {}): BreakwaterConfig {
  if (source === null || typeof source !== 'object')
    throw new ConfigError('', `expected { path } or { text, format? }, got ${typeof source}`);
  if (options === null || typeof options !== 'object')
    throw new ConfigError(
      'loadConfig.options',
      `expected an options object { env?, onWarning? }, got ${typeof options}`,
    );
  for (const k of Object.keys(options)) {
    if (k !== 'env' && k !== 'onWarning')
      throw new ConfigError(`loadConfig.options.${k}`, 'unknown option (expected env or onWarning)');
  }
  const { env, onWarning } = options;
  if (env !== undefined && (env === null || typeof env !== 'object'))
    throw new ConfigError(
      'loadConfig.options.env',
      `expected an object such as process.env, got ${env === null ? 'null' : typeof env}`,
    );
  if (onWarning !== undefined && typeof onWarning !== 'function')
    throw new ConfigError('loadConfig.options.onWarning', `expected a function, got ${typeof onWarning}`);
  const yamlWarnings: ConfigWarning[] = [];
  const finish = (tree: unknown): BreakwaterConfig => {
    let input = tree;
    if (env !== undefined) {
      const issues: ConfigIssue[] = [];
      input = interpolateEnv(tree, env, issues);
      if (issues.length > 0) throw configErrorFrom(issues);
    }
    const config = parseConfig(input, onWarning);
    for (const w of yamlWarnings) (onWarning ?? emitConfigWarning)(w);
    return config;
  };
  if ('path' in source) {
    if (typeof source.path !== 'string')
      throw new ConfigError('', `expected a file path string, got ${typeof source.path}`);
    let text: string;
    try {
      text = readFileSync(source.path, 'utf8');
    } catch (e) {
      throw new ConfigError(
        '',
        `expected a readable config file at "${source.path}", ` +
          `got: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      );
    }
    return finish(parseText(text, /\.json$/i.test(source.path) ? 'json' : 'yaml', `"${source.path}"`, yamlWarnings));
  }
  if (typeof source.text !== 'string')
    throw new ConfigError('', `expected config text as a string, got ${typeof source.text}`);
  const format = source.format ?? 'yaml';
  if (format !== 'yaml' && format !== 'json')
    throw new ConfigError('format', `expected "yaml" or "json", got ${JSON.stringify(format)}`);
  return finish(parseText(source.text, format, 'the config text', yamlWarnings));
}
