import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { trackNewKeys } from '@breakwater/testkit';
import type { DemoSummary } from '../src/run.js';
import { alive, descendants } from './process-tree.js';

// Both tests start a whole demo (6 replicas, 2 gateways, Redis): they live in one file so vitest
// runs them one after the other instead of doubling the load on the machine.
const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const root = fileURLToPath(new URL('../../../', import.meta.url));
// Tests never rewrite tracked files: the screenshot goes to a temporary file unless
// `npm run docs:screenshot` asks for docs/dashboard.png (BW_DASHBOARD_SCREENSHOT).
const screenshot =
  process.env['BW_DASHBOARD_SCREENSHOT'] ?? join(mkdtempSync(join(tmpdir(), 'bw-demo-')), 'dashboard.png');
const CHROMIUM = '/usr/bin/chromium';

// With REDIS_URL set the demo shares breaker state through that Redis (under a per-run prefix it
// picks itself): delete what it wrote there once both runs are over.
let demoKeys: { deleteNew(): Promise<number> } | undefined;
beforeAll(async () => {
  const url = process.env['REDIS_URL'];
  if (url) demoKeys = await trackNewKeys(url, '*bw-demo:*');
});
afterAll(async () => {
  await demoKeys?.deleteNew();
});

describe('npm run demo -- --ci --json', () => {
  it('runs the whole scenario and shows the must-show numbers', async () => {
    const started = Date.now();
    const child = spawn(
      process.execPath,
      ['--conditions=@breakwater/source', '--import', 'tsx', main, '--ci', '--json'],
      {
        cwd: root,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    expect(code, stderr).toBe(0);
    // stdout is the JSON summary and nothing else (tables and logs go to stderr), so
    // `npm run -s demo -- --ci --json | jq` works.
    expect(stdout.endsWith('\n') && stdout.trim().split('\n'), stdout.slice(0, 2_000)).toHaveLength(1);
    const summary = JSON.parse(stdout) as DemoSummary;
    const report = `${stderr}\n${JSON.stringify(summary.checks, null, 2)}`;

    expect(summary.phases.map((p) => p.name)).toEqual([
      'steady',
      'replica-slow',
      'replica-dead',
      'region-down',
      'recovery',
    ]);
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

let demo: ChildProcess | undefined;
/** The per-run token the demo printed (it must never appear in the page). */
const runToken = (out: string): string => /chaos token: ([0-9a-f]+)/.exec(out)?.[1] ?? 'no-token-printed';
let browser: Browser | undefined;
afterAll(async () => {
  await browser?.close();
  if (demo?.exitCode === null && demo.pid !== undefined) demo.kill('SIGKILL');
});

describe.skipIf(!existsSync(CHROMIUM))('dashboard in a browser', () => {
  it('kill on a replica shows within 2 s; Ctrl-C then leaves no process behind', async () => {
    demo = spawn(process.execPath, ['--conditions=@breakwater/source', '--import', 'tsx', main, '--interactive'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const d = demo;
    let out = '';
    const url = await new Promise<string>((resolve, reject) => {
      d.stdout!.on('data', (c: Buffer) => {
        out += c.toString();
        const m = /dashboard: (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
        if (m) resolve(m[1] as string);
      });
      d.once('exit', (code) => reject(new Error(`demo exited (${code}): ${out}`)));
      setTimeout(() => reject(new Error(`no dashboard URL: ${out}`)), 90_000);
    });
    const tree = descendants(d.pid!);
    expect(tree.length).toBeGreaterThanOrEqual(8); // 6 replicas, 2 gateways (+ redis when available)

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(url);
    const state = page.locator('[data-testid="state-eu-1"]');
    await expect.poll(async () => (await state.textContent())?.trim(), { timeout: 15_000 }).toBe('up');
    // Let the traffic chart and breaker grid fill in before the interesting part.
    await page.waitForTimeout(2_000);
    await page.click('button[data-action="kill"][data-replica="eu-1"]');
    const clicked = Date.now();
    await expect.poll(async () => (await state.textContent())?.trim(), { timeout: 2_000, interval: 50 }).toBe('down');
    expect(Date.now() - clicked).toBeLessThan(2_000);
    // The gateways notice too: health checks (500 ms) or breakers mark it.
    await expect
      .poll(async () => page.locator('[data-replica="eu-1"] td').nth(2).textContent(), { timeout: 5_000 })
      .toBe('unhealthy');
    // The story is readable: the timeline names eu-1's health change or breaker trip; the charts
    // have a time axis and client p50/p99.
    await expect
      .poll(async () => page.locator('#timeline tbody tr', { hasText: 'eu-1' }).count(), { timeout: 5_000 })
      .toBeGreaterThan(0);
    expect(await page.locator('#traffic .xtick').allTextContents()).toEqual(
      expect.arrayContaining(['now', '−30 s', '−60 s']),
    );
    expect(await page.locator('#latency polyline[data-series="p99"]').count()).toBe(1);
    expect(await page.content()).not.toContain(runToken(out));
    mkdirSync(dirname(screenshot), { recursive: true });
    await page.screenshot({ path: screenshot, fullPage: true });
    await browser.close();
    browser = undefined;

    // Ctrl-C: the demo stops every child and exits 0; nothing of the tree survives.
    const exited = new Promise<number | null>((resolve) => d.once('exit', (c) => resolve(c)));
    d.kill('SIGINT');
    expect(await exited).toBe(0);
    const deadline = Date.now() + 5_000;
    while (tree.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(tree.filter(alive)).toEqual([]);
  }, 150_000);
});
