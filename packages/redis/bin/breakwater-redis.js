#!/usr/bin/env node
// `breakwater-redis`: fleet-wide control of breakers shared through Redis.
// In this repository (TypeScript sources present) it runs the source through tsx, so no build step
// is needed; an installed package (dist only) runs the compiled CLI.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const src = fileURLToPath(new URL('../src/cli/bin.ts', import.meta.url));
const dist = fileURLToPath(new URL('../dist/cli/bin.js', import.meta.url));

function tsxLoader() {
  try {
    return import.meta.resolve('tsx');
  } catch {
    return undefined;
  }
}

const loader = existsSync(src) ? tsxLoader() : undefined;
if (loader !== undefined) {
  const child = spawn(
    process.execPath,
    ['--conditions=@breakwater/source', '--import', loader, src, ...process.argv.slice(2)],
    { stdio: 'inherit' },
  );
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => {
    process.exitCode = code ?? (signal ? 1 : 0);
  });
} else if (existsSync(dist)) {
  await import(pathToFileURL(dist).href);
} else {
  process.stderr.write(
    'breakwater-redis: neither dist/cli/bin.js nor the TypeScript sources (with tsx) are available; build the package first\n',
  );
  process.exitCode = 1;
}
