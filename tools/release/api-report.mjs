#!/usr/bin/env node
// API reports: one api/<package>.api.md per published package, made by @microsoft/api-extractor
// from the built declarations (dist/index.d.ts), so every change to a public surface shows up in
// review as a diff of that file. Only package roots are reported: @breakwater/core/internal
// (dist/internal.d.ts) is left out on purpose — it has no semver guarantee and changes with the
// adapters that use it; their own type checks guard it.
//   npm run api:check    build, then fail if a report differs from what is checked in
//   npm run api:update   build, then rewrite the reports
import { readdirSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { Extractor, ExtractorConfig } from '@microsoft/api-extractor';

const root = fileURLToPath(new URL('../..', import.meta.url));
const update = process.argv.includes('--update');
const reportFolder = join(root, 'api');
const temp = mkdtempSync(join(tmpdir(), 'bw-api-'));
const off = { logLevel: 'none' };
const changed = [];
const failed = [];

try {
  for (const dir of readdirSync(join(root, 'packages')).sort()) {
    const pkgDir = join(root, 'packages', dir);
    const entry = join(pkgDir, 'dist', 'index.d.ts');
    if (!existsSync(entry)) {
      failed.push(`${dir}: ${entry} is missing (run npm run build first)`);
      continue;
    }
    const config = ExtractorConfig.prepare({
      configObjectFullPath: join(pkgDir, 'api-extractor.json'), // not a real file: the config is below
      packageJsonFullPath: join(pkgDir, 'package.json'),
      configObject: {
        projectFolder: pkgDir,
        mainEntryPointFilePath: entry,
        compiler: {
          overrideTsconfig: {
            compilerOptions: {
              target: 'ES2022',
              lib: ['ES2023', 'DOM'],
              module: 'NodeNext',
              moduleResolution: 'NodeNext',
              strict: true,
              skipLibCheck: true,
              types: ['node'],
            },
            files: [entry],
          },
        },
        apiReport: {
          enabled: true,
          reportFolder,
          reportTempFolder: temp,
          reportFileName: dir,
          includeForgottenExports: false,
        },
        docModel: { enabled: false },
        dtsRollup: { enabled: false },
        tsdocMetadata: { enabled: false },
        newlineKind: 'lf',
        messages: {
          compilerMessageReporting: { default: { logLevel: 'warning' } },
          extractorMessageReporting: {
            default: { logLevel: 'warning' },
            'ae-missing-release-tag': off,
            'ae-forgotten-export': off,
            'ae-internal-missing-underscore': off,
            'ae-unresolved-link': off,
            'ae-undocumented': off,
          },
          tsdocMessageReporting: { default: off },
        },
      },
    });
    const result = Extractor.invoke(config, {
      localBuild: update,
      showVerboseMessages: false,
      messageCallback: (m) => {
        if (m.logLevel === 'warning' || m.logLevel === 'error') m.handled = false;
      },
    });
    if (result.apiReportChanged) {
      changed.push(dir);
      if (!update)
        spawnSync('diff', ['-u', join(reportFolder, `${dir}.api.md`), join(temp, `${dir}.api.md`)], {
          stdio: 'inherit',
        });
    }
    if (!result.succeeded && !result.apiReportChanged)
      failed.push(`${dir}: ${result.errorCount} error(s), ${result.warningCount} warning(s)`);
  }
} finally {
  rmSync(temp, { recursive: true, force: true });
}

if (update) {
  process.stdout.write(
    changed.length > 0
      ? `api: updated ${changed.map((d) => `api/${d}.api.md`).join(', ')}\n`
      : 'api: every report is up to date\n',
  );
} else if (changed.length > 0) {
  failed.push(
    `public API changed (${changed.map((d) => `api/${d}.api.md`).join(', ')}): review the difference above, then run npm run api:update and commit api/`,
  );
}
if (failed.length > 0) {
  process.stderr.write(`\napi: FAILED\n${failed.map((f) => `  - ${f}`).join('\n')}\n`);
  process.exit(1);
}
if (!update) process.stdout.write(`api: ${readdirSync(reportFolder).length} reports match the public surfaces\n`);
