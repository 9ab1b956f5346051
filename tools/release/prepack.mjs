#!/usr/bin/env node
// `prepack` of every published package (npm runs it with the package directory as cwd, for both
// `npm pack` and `npm publish`): build, copy the repository's LICENSE in, and write the manifest
// as consumers get it — without the `@breakwater/source` export condition, which points at src/
// (not shipped; it only serves this repository's tests and tools). `postpack` puts back the
// original package.json (kept as package.json.orig meanwhile) and removes the copied LICENSE.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { publishedManifest } from './manifest.mjs';

const ORIG = 'package.json.orig';

const build = spawnSync('npm', ['run', '-s', 'build'], { stdio: 'inherit' });
if (build.status !== 0) {
  process.stderr.write(`prepack: the build failed (exit ${build.status ?? build.signal}); nothing was packed\n`);
  process.exit(1);
}

copyFileSync(new URL('../../LICENSE', import.meta.url), 'LICENSE');

// A leftover .orig (an interrupted pack) is the original: never overwrite it with a rewritten one.
const original = existsSync(ORIG) ? readFileSync(ORIG, 'utf8') : readFileSync('package.json', 'utf8');
writeFileSync(ORIG, original);
writeFileSync('package.json', JSON.stringify(publishedManifest(JSON.parse(original)), null, 2) + '\n');
