import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '@breakwater/core';
import fc from 'fast-check';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadConfig, parseConfig } from './index.js';

const seed = parseYaml(
  readFileSync(fileURLToPath(new URL('./test-support/seed-config.yaml', import.meta.url)), 'utf8'),
) as Record<string, unknown>;

/** Valid or ConfigError with a string path and at least one issue; anything else fails the property. */
function outcome(run: () => unknown): 'valid' | 'invalid' {
  try {
    run();
    return 'valid';
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    expect(typeof e.path).toBe('string');
    expect(e.issues.length).toBeGreaterThan(0);
    for (const i of e.issues) {
      expect(typeof i.path).toBe('string');
      expect(i.message.length).toBeGreaterThan(0);
    }
    return 'invalid';
  }
}

/** Replaces, deletes or adds something at a random place of a copy of `tree`. */
function mutate(tree: unknown, choices: number[], value: unknown, key: string): unknown {
  const copy = structuredClone(tree);
  let cur: unknown = copy;
  for (const c of choices) {
    if (cur === null || typeof cur !== 'object') break;
    const keys = Object.keys(cur);
    if (keys.length === 0) break;
    const k = keys[c % keys.length] as string;
    const next = (cur as Record<string, unknown>)[k];
    if (next === null || typeof next !== 'object' || c % 3 === 0) {
      const obj = cur as Record<string, unknown>;
      if (c % 5 === 0) delete obj[k];
      else if (c % 5 === 1) obj[key] = value;
      else obj[k] = value;
      return copy;
    }
    cur = next;
  }
  return copy;
}

describe('config fuzzing', () => {
  it('random JSON trees: a valid config or a ConfigError, never another exception', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (tree) => {
        outcome(() => parseConfig(tree));
      }),
      { numRuns: 500 },
    );
  });

  it('random mutations of the seed config: a valid config or a ConfigError with paths', () => {
    const arb = fc.tuple(
      fc.array(fc.nat(50), { minLength: 1, maxLength: 6 }),
      fc.jsonValue({ maxDepth: 2 }),
      fc.string({ maxLength: 12 }),
    );
    fc.assert(
      fc.property(arb, ([choices, value, key]) => {
        const tree = mutate(seed, choices, value, key);
        outcome(() => parseConfig(tree));
        // The same tree through YAML and JSON text must end the same way.
        const viaJson = outcome(() => loadConfig({ text: JSON.stringify(tree) ?? 'null', format: 'json' }));
        expect(viaJson).toBe(outcome(() => parseConfig(JSON.parse(JSON.stringify(tree) ?? 'null'))));
      }),
      { numRuns: 500 },
    );
  });

  it('random YAML text: a valid config or a ConfigError', () => {
    const text = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.jsonValue({ maxDepth: 3 }).map((v) => toYaml(v)),
      fc.constantFrom(
        'a: &x [*x]',
        'load_balancer: !!binary foo',
        '--- \n...\n---',
        'a: b: c',
        '? [1]\n: 2',
        '__proto__: {load_balancer: 1}',
      ),
    );
    fc.assert(
      fc.property(text, (t) => {
        outcome(() => loadConfig({ text: t }));
      }),
      { numRuns: 500 },
    );
  });

  it('the seed itself survives a YAML round trip', () => {
    expect(outcome(() => loadConfig({ text: toYaml(seed) }))).toBe('valid');
  });
});
