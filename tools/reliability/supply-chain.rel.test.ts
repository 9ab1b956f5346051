import { execFile } from 'node:child_process';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './harness/processes.js';
import { recordFigures } from './harness/results.js';

const figures: Record<string, string | number> = {};

interface AuditJson {
  metadata?: { vulnerabilities?: Record<string, number> };
  vulnerabilities?: Record<string, { severity: string; via: unknown[] }>;
  error?: { code?: string; summary?: string; detail?: string };
  message?: string;
  statusCode?: number;
}

function runAudit(): Promise<{ json: AuditJson | undefined; raw: string; code: number | null }> {
  return new Promise((resolve) => {
    execFile(
      'npm',
      ['audit', '--omit=dev', '--json'],
      { cwd: REPO_ROOT, timeout: 90_000, maxBuffer: 32 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const raw = `${stdout}\n${stderr}`;
        let json: AuditJson | undefined;
        try {
          json = JSON.parse(stdout) as AuditJson;
        } catch {
          json = undefined;
        }
        resolve({ json, raw, code: err && typeof err.code === 'number' ? err.code : err ? -1 : 0 });
      },
    );
  });
}

describe('supply chain', () => {
  it('package-lock.json exists, lockfileVersion ≥ 3, every package pinned by version and integrity hash', () => {
    const path = join(REPO_ROOT, 'package-lock.json');
    expect(existsSync(path)).toBe(true);
    const lock = JSON.parse(readFileSync(path, 'utf8')) as {
      lockfileVersion: number;
      packages: Record<string, { version?: string; integrity?: string; link?: boolean }>;
    };
    expect(lock.lockfileVersion).toBeGreaterThanOrEqual(3);
    const unpinned = Object.entries(lock.packages)
      .filter(([k, v]) => k.includes('node_modules/') && !v.link && (!v.version || !v.integrity))
      .map(([k]) => k);
    figures['lockfileVersion'] = lock.lockfileVersion;
    figures['locked packages without version or integrity'] = unpinned.length;
    expect(unpinned).toEqual([]);
    recordFigures('90-supply-chain', { title: 'Supply chain', rows: figures });
  });

  it('npm audit --omit=dev: no high or critical findings (unavailable, not passed, without the registry)', async (ctx) => {
    const { json, raw } = await runAudit();
    const counts = json?.metadata?.vulnerabilities;
    if (counts === undefined) {
      const why =
        json?.message ??
        json?.error?.summary ??
        raw.split('\n').find((l) => /error|ERR/i.test(l)) ??
        'no JSON from npm audit';
      figures['npm audit --omit=dev'] = `UNAVAILABLE: ${why.replace(/\|/g, '/').slice(0, 200)}`;
      recordFigures('90-supply-chain', { title: 'Supply chain', rows: figures });
      const message = `npm audit could not run here, so the dependency audit is NOT verified: ${why}`;
      console.warn(message);
      // BW_REQUIRE_AUDIT=1 (e.g. in CI with registry access) turns "could not check" into a failure.
      if (process.env['BW_REQUIRE_AUDIT'] === '1') throw new Error(message);
      ctx.skip(message);
      return;
    }
    const high = (counts['high'] ?? 0) + (counts['critical'] ?? 0);
    figures['npm audit --omit=dev'] = Object.entries(counts)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    recordFigures('90-supply-chain', { title: 'Supply chain', rows: figures });
    const offenders = Object.entries(json?.vulnerabilities ?? {})
      .filter(([, v]) => v.severity === 'high' || v.severity === 'critical')
      .map(([k, v]) => `${k} (${v.severity})`);
    expect(high, `high/critical: ${offenders.join(', ')}`).toBe(0);
  });
});
