import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The public surface of @breakwater/core, whichever build is loaded. */
export type Core = typeof import('@breakwater/core');

/**
 * Loads @breakwater/core as users run it: the compiled `dist/` build (rebuilt first with
 * `tsc -b`), not the TypeScript sources. Why: the bench runs under tsx, whose esbuild transform
 * forces `keepNames`, wrapping every function expression in a `__name()` call that runs
 * Object.defineProperty each time a closure is created. That costs microseconds per call on the
 * sources and would measure tsx, not Breakwater (cockatiel and opossum load as plain JS).
 * `source: true` loads the sources anyway (for profiling with source maps).
 */
export async function loadCore(o: { source: boolean }): Promise<{ core: Core; build: string }> {
  if (o.source) return { core: await import('@breakwater/core'), build: 'TypeScript sources through tsx' };
  return { core: (await import(pathToFileURL(buildCoreDist()).href)) as Core, build: 'compiled dist/ (tsc)' };
}

/** Rebuilds @breakwater/core's dist/ with `tsc -b` and returns the path of its entry file. */
export function buildCoreDist(): string {
  // Under --conditions=@breakwater/source this resolves to packages/core/src/index.ts.
  const srcEntry = fileURLToPath(import.meta.resolve('@breakwater/core'));
  const pkgDir = dirname(dirname(srcEntry));
  const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as {
    exports: { '.': { default: string } };
  };
  const distEntry = join(pkgDir, pkg.exports['.'].default);
  const require = createRequire(import.meta.url);
  const tsc = require.resolve('typescript/bin/tsc');
  const built = spawnSync(process.execPath, [tsc, '-b', join(pkgDir, 'tsconfig.lib.json')], { encoding: 'utf8' });
  if (built.status !== 0) {
    process.stderr.write(
      `warning: tsc -b for @breakwater/core reported errors; using whatever dist/ holds\n${built.stdout}${built.stderr}`,
    );
  }
  if (!existsSync(distEntry))
    throw new Error(`no build at ${distEntry}: run npx tsc -b ${join(pkgDir, 'tsconfig.lib.json')}`);
  return distEntry;
}
