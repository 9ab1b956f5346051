import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { DemoSummary } from '../src/run.js';

const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const root = fileURLToPath(new URL('../../../', import.meta.url));

describe('npm run demo -- --ci --json', () => {
  it('runs the whole scenario and shows the must-show numbers', async () => {
    const started = Date.now();
    const child = spawn(process.execPath, ['--conditions=@breakwater/source', '--import', 'tsx', main, '--ci', '--json'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    expect(code, stderr).toBe(0);
    const summary = JSON.parse(stdout.trim().split('\n').pop() as string) as DemoSummary;
    const report = `${stderr}\n${JSON.stringify(summary.checks, null, 2)}`;

    expect(summary.phases.map((p) => p.name)).toEqual(['steady', 'replica-slow', 'replica-dead', 'region-down', 'recovery']);
    for (const p of summary.phases) expect(p.requests, p.name).toBeGreaterThan(100);
    // Primary region hard down: ≥ 99 % served by the other region from 1 s after the outage, ≤ 0.1 % errors.
    expect(summary.failover.shareSecondaryAfter1s, report).toBeGreaterThanOrEqual(0.99);
    expect(summary.failover.errorRate, report).toBeLessThanOrEqual(0.001);
    // A trip on one pod is open on the other within 100 ms.
    expect(summary.propagation.missed, report).toBe(0);
    expect(summary.propagation.samplesMs.length).toBeGreaterThanOrEqual(4);
    expect(summary.propagation.maxMs, report).toBeLessThanOrEqual(100);
    // Back to the primary within 5 s, one prober per breaker at a time.
    expect(summary.failback.timeToFailbackMs, report).toBeLessThanOrEqual(5_000);
    expect(summary.failback.maxConcurrentProbers, report).toBeLessThanOrEqual(1);
    expect(summary.gatewayExitCodes.every((c) => c === 0)).toBe(true);
    expect(summary.ok, report).toBe(true);
    expect(Date.now() - started).toBeLessThan(180_000);
  }, 200_000);
});
