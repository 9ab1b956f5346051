#!/usr/bin/env node
// Counts what a package entry point exports, values and types separately, from the built output:
// values are the names the compiled module really exports at run time (dist/<entry>.js), types are
// the remaining names of its declarations (dist/<entry>.d.ts). Run after a build:
//   node tools/release/count-exports.mjs                    @breakwater/core, entry "." (dist/index)
//   node tools/release/count-exports.mjs core internal      @breakwater/core/internal (dist/internal)
//   node tools/release/count-exports.mjs fetch --list       one package, names listed
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';

const root = fileURLToPath(new URL('../..', import.meta.url));
const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const list = process.argv.includes('--list');
const [pkg = 'core', entry = 'index'] = args;
const base = join(root, 'packages', pkg, 'dist', entry);

for (const ext of ['.js', '.d.ts']) {
  if (!existsSync(base + ext)) {
    process.stderr.write(`count-exports: ${base}${ext} is missing (run npm run build first)\n`);
    process.exit(1);
  }
}

const runtime = new Set(Object.keys(await import(pathToFileURL(base + '.js').href)));
const program = ts.createProgram([base + '.d.ts'], {
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  target: ts.ScriptTarget.ES2022,
  skipLibCheck: true,
  noEmit: true,
});
const checker = program.getTypeChecker();
const moduleSymbol = checker.getSymbolAtLocation(program.getSourceFile(base + '.d.ts'));
const declared = checker.getExportsOfModule(moduleSymbol).map((s) => s.getName());
const values = declared.filter((n) => runtime.has(n)).sort();
const types = declared.filter((n) => !runtime.has(n)).sort();
const undeclared = [...runtime].filter((n) => !declared.includes(n));

const label = `@breakwater/${pkg}${entry === 'index' ? '' : `/${entry}`}`;
process.stdout.write(`${label}: ${declared.length} exports = ${values.length} values + ${types.length} types\n`);
if (list) process.stdout.write(`values: ${values.join(', ')}\ntypes: ${types.join(', ')}\n`);
if (undeclared.length > 0) {
  process.stderr.write(`count-exports: exported at run time but not declared: ${undeclared.join(', ')}\n`);
  process.exit(1);
}
