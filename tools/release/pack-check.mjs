#!/usr/bin/env node
// Packaging test (in .ci/run): packs every published package as `npm publish` would (prepack
// builds), checks each tarball's contents and manifest, installs the tarballs into a fresh strict
// TypeScript app (tools/release/consumer, ioredis at its latest major), type-checks it with
// `tsc --noEmit`, runs its ESM smoke program (every package, real HTTP and Redis), and
// `require('@breakwater/core')` from CommonJS. Prints one tarball's contents. Exit 1 on any finding.
//   node tools/release/pack-check.mjs [--keep]     REDIS_URL (default redis://127.0.0.1:6379)
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const keep = process.argv.includes('--keep');
const shown = '@breakwater/core';
const problems = [];
const log = (line) => process.stdout.write(`${line}\n`);

function run(cmd, args, cwd, env = process.env) {
  return execFileSync(cmd, args, {
    cwd,
    env,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 << 20,
  });
}

const packageDirs = readdirSync(join(root, 'packages')).map((d) => `packages/${d}`);
const work = mkdtempSync(join(tmpdir(), 'bw-pack-check-'));
const tarballDir = join(work, 'tarballs');

try {
  log(`pack-check: packing ${packageDirs.length} packages into ${tarballDir}`);
  const packArgs = ['pack', '--json', '--pack-destination', tarballDir, ...packageDirs.flatMap((d) => ['-w', d])];
  run('mkdir', ['-p', tarballDir], root);
  const packed = JSON.parse(run('npm', packArgs, root, { ...process.env, npm_config_loglevel: 'error' }));

  for (const entry of packed) {
    const files = entry.files.map((f) => f.path);
    const expect = (ok, what) => ok || problems.push(`${entry.name}: ${what}`);
    for (const required of ['package.json', 'README.md', 'LICENSE', 'dist/index.js', 'dist/index.d.ts']) {
      expect(files.includes(required), `${required} missing from the tarball`);
    }
    // Every subpath of the exports map must be in the tarball (@breakwater/core/internal: dist/internal.*).
    const manifestExports =
      JSON.parse(readFileSync(join(root, entry.name.replace('@breakwater/', 'packages/'), 'package.json'), 'utf8'))
        .exports ?? {};
    for (const target of Object.values(manifestExports).flatMap((t) => [t.types, t.default])) {
      if (typeof target === 'string')
        expect(files.includes(target.replace(/^\.\//, '')), `${target} (exports map) missing from the tarball`);
    }
    expect(!files.some((f) => f.endsWith('.tsbuildinfo')), 'ships *.tsbuildinfo');
    expect(!files.some((f) => /\.test\.(js|d\.ts)$/.test(f)), 'ships compiled tests');
    expect(!files.some((f) => f.startsWith('src/')), 'ships src/ (maps inline their sources instead)');
    const tgz = join(tarballDir, entry.filename);
    const manifestText = run('tar', ['-xzOf', tgz, 'package/package.json'], root);
    const manifest = JSON.parse(manifestText);
    expect(
      !JSON.stringify(manifest.exports ?? {}).includes('@breakwater/source'),
      'the published exports keep the @breakwater/source condition',
    );
    for (const [dep, range] of Object.entries({ ...manifest.dependencies, ...manifest.peerDependencies })) {
      expect(range !== '*' && range !== 'latest', `dependency ${dep} has the open range "${range}"`);
    }
    for (const key of ['repository', 'homepage', 'bugs', 'keywords', 'engines', 'publishConfig', 'license']) {
      expect(manifest[key] !== undefined, `package.json has no "${key}"`);
    }
    const map = files.find((f) => f.endsWith('.js.map'));
    if (map !== undefined) {
      const sourceMap = JSON.parse(run('tar', ['-xzOf', tgz, `package/${map}`], root));
      expect(
        Array.isArray(sourceMap.sourcesContent) && sourceMap.sourcesContent.every((s) => typeof s === 'string'),
        `${map} does not inline its sources`,
      );
    }
    if (entry.name === shown) {
      log(
        `\ncontents of ${entry.filename} (${entry.files.length} files, ${entry.size} B packed, ${entry.unpackedSize} B unpacked):`,
      );
      for (const f of entry.files) log(`  ${String(f.size).padStart(7)}  ${f.path}`);
      log('');
    }
  }
  log(
    `pack-check: ${packed.length} tarballs: ${packed.map((p) => `${p.filename} (${p.entryCount} files)`).join(', ')}`,
  );

  // A fresh consumer app: the tarballs plus each package's peers, as a user would install them.
  const app = join(work, 'app');
  cpSync(join(root, 'tools/release/consumer'), app, { recursive: true });
  const rootDev = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).devDependencies;
  const dependencies = Object.fromEntries(packed.map((p) => [p.name, `file:${join(tarballDir, p.filename)}`]));
  Object.assign(dependencies, {
    ioredis: process.env.BW_PACK_IOREDIS ?? 'latest',
    axios: rootDev.axios,
    '@trpc/client': rootDev['@trpc/client'],
    '@trpc/server': rootDev['@trpc/server'],
    'prom-client': rootDev['prom-client'],
    '@opentelemetry/api': rootDev['@opentelemetry/api'],
  });
  const devDependencies = { typescript: rootDev.typescript, '@types/node': rootDev['@types/node'] };
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify({ name: 'bw-consumer', private: true, type: 'module', dependencies, devDependencies }, null, 2),
  );
  log('pack-check: npm install in the consumer app');
  run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], app);
  const ioredis = JSON.parse(readFileSync(join(app, 'node_modules/ioredis/package.json'), 'utf8')).version;
  log(
    `pack-check: consumer has ioredis ${ioredis}, typescript ${JSON.parse(readFileSync(join(app, 'node_modules/typescript/package.json'), 'utf8')).version}`,
  );

  log(
    '$ tsc --noEmit   (strict, exactOptionalPropertyTypes, noUncheckedIndexedAccess, module nodenext, skipLibCheck false)',
  );
  try {
    log(run(join(app, 'node_modules/.bin/tsc'), ['--noEmit', '-p', '.'], app) || '(no errors)');
  } catch (e) {
    problems.push(`consumer tsc --noEmit failed:\n${e.stdout}`);
    throw new Error('tsc');
  }
  run(join(app, 'node_modules/.bin/tsc'), ['-p', '.'], app);
  log('$ node build/smoke.js');
  log(run(process.execPath, ['build/smoke.js'], app));
  log('$ node build/require-core.cjs');
  log(run(process.execPath, ['build/require-core.cjs'], app));
  log(`$ node -e "require('@breakwater/core')"   (plain CommonJS, Node ${process.version})`);
  log(
    run(
      process.execPath,
      ['-e', "const c = require('@breakwater/core'); console.log(typeof c.circuitBreaker, typeof c.pipeline)"],
      app,
    ),
  );
} catch (e) {
  if (!(e instanceof Error && e.message === 'tsc')) problems.push(e instanceof Error ? e.message : String(e));
} finally {
  if (keep) log(`pack-check: kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}

if (problems.length > 0) {
  process.stderr.write(`\npack-check: FAILED\n${problems.map((p) => `  - ${p}`).join('\n')}\n`);
  process.exit(1);
}
log('pack-check: OK');
