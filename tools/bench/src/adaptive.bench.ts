/**
 * `npm run bench:adaptive`: adaptive concurrency limits vs fixed bulkheads and no limiter, against a
 * simulated upstream with a capacity knee whose capacity drops mid-run (see adaptive/sim.ts for
 * the model and why it runs in virtual time). Writes the bench:adaptive section of
 * tools/bench/RESULTS.md unless --no-write.
 */
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { adaptiveConcurrency, bulkhead, pipeline, type ManualClock, type Policy } from '@breakwater/core';
import { writeSection } from './core/results-file.js';
import { convergedAfter, fmt, limitAt, quantile, slice } from './adaptive/report.js';
import { simulate, type SimOptions, type SimResult } from './adaptive/sim.js';

const BASE: Omit<SimOptions, 'policy'> = {
  ratePerSec: 6000,
  durationMs: 30_000,
  capacity: 50,
  capacityAfter: 20,
  capacityChangeAtMs: 15_000,
  serviceMs: 10,
  jitter: 0.1,
  clientTimeoutMs: 1000,
  seed: 20261204,
};
/** Settling time excluded from each phase's steady-state figures (and the re-convergence budget). */
const SETTLE_MS = 2000;
const BUCKET_MS = 250;

const CONTENDERS: Array<{ name: string; adaptive: boolean; make: (clock: ManualClock) => Policy }> = [
  { name: 'no limiter', adaptive: false, make: () => pipeline() },
  { name: 'bulkhead 10', adaptive: false, make: () => bulkhead({ maxConcurrent: 10 }) },
  { name: 'bulkhead 50', adaptive: false, make: () => bulkhead({ maxConcurrent: 50 }) },
  { name: 'bulkhead 200', adaptive: false, make: () => bulkhead({ maxConcurrent: 200 }) },
  {
    name: 'adaptive gradient2',
    adaptive: true,
    make: (clock) => adaptiveConcurrency({ algorithm: 'gradient2', clock }),
  },
  { name: 'adaptive vegas', adaptive: true, make: (clock) => adaptiveConcurrency({ algorithm: 'vegas', clock }) },
  { name: 'adaptive aimd', adaptive: true, make: (clock) => adaptiveConcurrency({ algorithm: 'aimd', clock }) },
];

async function main(): Promise<void> {
  const started = new Date();
  const loadBefore = loadavg();
  const t0 = performance.now();
  const change = BASE.capacityChangeAtMs;
  const end = BASE.durationMs;
  // Unloaded latency: the same upstream at a tenth of its capacity, no limiter.
  const unloadedRun = await simulate({ ...BASE, ratePerSec: 500, policy: () => pipeline() });
  const unloaded = quantile(
    unloadedRun.completions.map((c) => c.latencyMs),
    0.99,
  );
  const maxP99 = 2 * unloaded;

  const runs: Array<{ name: string; adaptive: boolean; r: SimResult }> = [];
  for (const c of CONTENDERS) {
    runs.push({ name: c.name, adaptive: c.adaptive, r: await simulate({ ...BASE, policy: c.make }) });
    process.stdout.write(`simulated ${c.name}\n`);
  }
  const phase1 = (r: SimResult) => slice(r.completions, SETTLE_MS, change);
  const phase2 = (r: SimResult) => slice(r.completions, change + SETTLE_MS, end);
  const transition = (r: SimResult) => slice(r.completions, change, change + SETTLE_MS);
  const fixed = runs.filter((x) => !x.adaptive);
  const best1 = Math.max(...fixed.map((x) => phase1(x.r).goodput));
  const best2 = Math.max(...fixed.map((x) => phase2(x.r).goodput));

  const rows: string[] = [];
  const verdicts: string[] = [];
  for (const { name, adaptive, r } of runs) {
    const [a, b, t] = [phase1(r), phase2(r), transition(r)];
    const conv = convergedAfter(r, change, end, BUCKET_MS, 0.9 * best2, maxP99);
    const limits = adaptive ? `${fmt(limitAt(r.limitTrace, change))} / ${fmt(limitAt(r.limitTrace, end))}` : '–';
    rows.push(
      `| ${name} | ${fmt(a.goodput)} | ${fmt(a.p99, 1)} | ${fmt(b.goodput)} | ${fmt(b.p99, 1)} | ${fmt(t.goodput)} / ${fmt(t.p99, 1)} | ` +
        `${conv === undefined ? 'never' : `${fmt(conv / 1000, 2)} s`} | ${limits} | ${r.rejected} | ${r.timedOut} |`,
    );
    if (!adaptive) continue;
    const checks = [
      a.goodput >= 0.9 * best1,
      b.goodput >= 0.9 * best2,
      a.p99 <= maxP99,
      b.p99 <= maxP99,
      conv !== undefined && conv <= 2000,
    ];
    verdicts.push(
      `- ${name}: goodput ${fmt((100 * a.goodput) / best1)} % / ${fmt((100 * b.goodput) / best2)} % of the best fixed bulkhead, ` +
        `p99 ${fmt(a.p99 / unloaded, 2)}× / ${fmt(b.p99 / unloaded, 2)}× unloaded, re-converged ${conv === undefined ? 'never' : `after ${fmt(conv / 1000, 2)} s`} — ` +
        `${checks.every(Boolean) ? '**all targets met**' : `missed: ${['phase 1 goodput', 'phase 2 goodput', 'phase 1 p99', 'phase 2 p99', 're-convergence'].filter((_, i) => !checks[i]).join(', ')}`}`,
    );
  }
  const loadAfter = loadavg();
  const lines = [
    '## Adaptive concurrency (`npm run bench:adaptive`)',
    '',
    `Command: \`npm run bench:adaptive\` (tools/bench/src/adaptive.bench.ts). ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC, Node ${process.version}; ` +
      `load average ${loadBefore.map((x) => x.toFixed(2)).join(' / ')} at the start, ${loadAfter.map((x) => x.toFixed(2)).join(' / ')} at the end ` +
      `(virtual time: the figures do not depend on it); ${fmt((performance.now() - t0) / 1000, 1)} s of real time.`,
    '',
    `Discrete-event simulation on a ManualClock driving the real policies: open-loop Poisson arrivals at ${BASE.ratePerSec}/s for ${BASE.durationMs / 1000} s; ` +
      `an upstream serving up to N requests at once in ${BASE.serviceMs} ms ± ${BASE.jitter * 100} % (uniform) and queueing the rest FIFO, N = ${BASE.capacity} ` +
      `(capacity ${(BASE.capacity * 1000) / BASE.serviceMs}/s) until ${change / 1000} s, then N = ${BASE.capacityAfter} (${(BASE.capacityAfter * 1000) / BASE.serviceMs}/s); ` +
      `the client gives up after ${BASE.clientTimeoutMs} ms (a TimeoutError to the policy) while the upstream still serves the abandoned request. ` +
      `Goodput = calls answered within the timeout per second; p99 over those calls, queueing included. Phase figures exclude the first ${SETTLE_MS / 1000} s ` +
      `of each phase (start-up, re-convergence), shown apart as "first 2 s after the change". Re-converged = time after the change from which every ` +
      `${BUCKET_MS} ms bucket has goodput ≥ 90 % of the best fixed bulkhead's phase-2 goodput and p99 ≤ 2× unloaded. Adaptive limiters run with their defaults ` +
      `(no tuning). Seed ${BASE.seed}.`,
    '',
    `Unloaded latency (p99 at ${500}/s, no queueing): ${fmt(unloaded, 2)} ms; target p99 ≤ ${fmt(maxP99, 2)} ms.`,
    '',
    '| policy | phase 1 goodput/s | phase 1 p99 ms | phase 2 goodput/s | phase 2 p99 ms | first 2 s after the change: goodput/s / p99 ms | re-converged after | limit at change / end | rejected | timed out |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows,
    '',
    `Targets (an adaptive limiter: ≥ 90 % of the best fixed bulkhead's goodput in each phase — ${fmt(best1)}/s and ${fmt(best2)}/s — with p99 ≤ 2× unloaded, re-converged within 2 s):`,
    '',
    ...verdicts,
    '',
    'gradient2 and vegas re-measure the no-load latency every 10 s (their default `baselineIntervalMs`) for two sample windows at half the limit: ' +
      'here at about 10 s, 20 s and 30 s, inside the phase figures. aimd only sees drops (errors, timeouts): this upstream queues instead of failing, ' +
      'so aimd keeps growing by one per window, and latency with it, until calls time out — it is meant for overload that shows as errors, or with `dropLatencyMs`.',
  ];
  const body = lines.join('\n');
  process.stdout.write(`\n${body}\n`);
  if (!process.argv.includes('--no-write')) {
    const path = fileURLToPath(new URL('../RESULTS.md', import.meta.url));
    writeSection(path, 'adaptive', body);
    process.stdout.write(`\nwrote ${path}\n`);
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 1;
});
