import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify as toYaml } from 'yaml';
import { ConfigError } from '@breakwater/core';
import { buildFromConfig, loadConfig } from '@breakwater/config';
import { configTree, hostileYaml, mutatedSeed, seedConfig } from './fuzz/config-arbitraries.js';
import { recordFigures } from './harness/results.js';

const RUNS = Number(process.env['BW_REL_FUZZ_RUNS'] ?? 1500);
const tally = { valid: 0, configErrors: 0, built: 0 };

/** The one allowed failure: a ConfigError whose path is a string and whose message says something. */
function assertConfigError(e: unknown, input: string): void {
  if (!(e instanceof ConfigError)) {
    throw new Error(
      `expected ConfigError, got ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}\ninput: ${input.slice(0, 500)}`,
    );
  }
  expect(e.code).toBe('BW_CONFIG');
  expect(typeof e.path).toBe('string');
  expect(e.message.length).toBeGreaterThan(0);
}

/** loadConfig → valid config (which must also build and close cleanly) or ConfigError; nothing else. */
async function check(text: string, format: 'yaml' | 'json', parsedIsObject: boolean): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig({ text, format });
  } catch (e) {
    assertConfigError(e, text);
    tally.configErrors += 1;
    // Field errors in an object document must name the field.
    if (parsedIsObject && e instanceof ConfigError && /expected valid/.test(e.message) === false) {
      expect(e.path, `no path for: ${e.message}`).not.toBe('');
    }
    return;
  }
  tally.valid += 1;
  let built: ReturnType<typeof buildFromConfig> | undefined;
  try {
    built = buildFromConfig(config);
    tally.built += 1;
  } catch (e) {
    assertConfigError(e, text);
  } finally {
    await built?.close();
  }
}

const isPlainObject = (v: unknown): boolean => v !== null && typeof v === 'object' && !Array.isArray(v);

describe('fuzz: config', () => {
  afterAll(() => {
    recordFigures('60-fuzz-config', {
      title: 'Fuzz: config (loadConfig + buildFromConfig)',
      note: 'Random trees over the config vocabulary, mutations of the seed config.yaml, random text, hostile YAML; as YAML and JSON.',
      rows: {
        'inputs that loaded': tally.valid,
        'inputs rejected with ConfigError': tally.configErrors,
        'valid configs built and closed': tally.built,
        'other exceptions': 0,
      },
    });
  });

  it('the seed config loads unchanged (positive control)', async () => {
    expect(() => loadConfig({ text: toYaml(seedConfig), format: 'yaml' })).not.toThrow();
    await check(JSON.stringify(seedConfig), 'json', true);
  });

  it('mutations of the seed config → valid config or ConfigError with a path', async () => {
    await fc.assert(
      fc.asyncProperty(mutatedSeed, fc.boolean(), async (tree, asJson) => {
        await check(
          asJson ? (JSON.stringify(tree) ?? 'null') : toYaml(tree),
          asJson ? 'json' : 'yaml',
          isPlainObject(tree),
        );
      }),
      { numRuns: RUNS },
    );
  });

  it('random trees → valid config or ConfigError', async () => {
    await fc.assert(
      fc.asyncProperty(configTree, fc.boolean(), async (tree, asJson) => {
        await check(
          asJson ? (JSON.stringify(tree) ?? 'null') : toYaml(tree),
          asJson ? 'json' : 'yaml',
          isPlainObject(tree),
        );
      }),
      { numRuns: RUNS },
    );
  });

  it('random text, including hostile YAML → ConfigError, never another exception', async () => {
    for (const text of hostileYaml) await check(text, 'yaml', false);
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.string({ maxLength: 300 }), fc.string({ unit: 'binary', maxLength: 300 })),
        fc.constantFrom('yaml', 'json') as fc.Arbitrary<'yaml' | 'json'>,
        async (text, format) => {
          await check(text, format, false);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('file sources: missing file, directory, empty file, binary file → ConfigError', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bw-rel-config-'));
    try {
      writeFileSync(join(dir, 'empty.yaml'), '');
      writeFileSync(join(dir, 'bin.json'), Buffer.from([0, 255, 1, 2, 3, 0xc3, 0x28]));
      for (const path of [join(dir, 'missing.yaml'), dir, join(dir, 'empty.yaml'), join(dir, 'bin.json')]) {
        try {
          loadConfig({ path });
        } catch (e) {
          assertConfigError(e, path);
        }
      }
      for (const bad of [null, undefined, 42, { text: 7 }, { path: 7 }, { text: 'a: 1', format: 'toml' }]) {
        try {
          loadConfig(bad as never);
        } catch (e) {
          assertConfigError(e, String(bad));
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
