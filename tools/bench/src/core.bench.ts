/**
 * `npm run bench:core`: per-call overhead of Breakwater vs cockatiel 3 and opossum 9, in two cases:
 * - best case: a fresh process timing one breaker/pipeline with one function;
 * - realistic case: the same, after the library ran ≥ 20 breakers and pipelines with distinct
 *   functions and options (megamorphic call sites, as with one breaker per endpoint; warmup.ts).
 * Scenarios: (a) breaker only, (b) retry + breaker + timeout pipeline, (c) a call rejected through
 * that pipeline by its open breaker, with the cost of an async function rejecting with
 * `new Error()` as reference (same process, same rounds), and heap bytes per breaker.
 *
 * Method: one process per cell (scenario × case, core/cell.ts), the three libraries side by side,
 * a sanity instance before each timed one; per round the bare `await fn()` baseline and each library
 * run sequential awaited calls in alternating chunks; overhead = fastest library chunk − fastest
 * baseline chunk of the round; the table shows medians over the rounds. Targets are checked on
 * the realistic case. Breakwater is loaded from its compiled dist/ (see load-core.ts).
 * Options: --rounds=9 --processes=3 --no-write.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { CellResult, CellScenario, Lib } from './core/cell.js';
import { buildCoreDist } from './core/load-core.js';
import { fmtBytes, fmtNs, median } from './core/measure.js';
import { writeCoreSection } from './core/results-file.js';
import { WARM_ENDPOINTS } from './core/warmup.js';

const arg = (name: string, dflt: number): number => {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
  return hit === undefined ? dflt : Number(hit.slice(name.length + 3));
};
const ROUNDS = arg('rounds', 9);
const PROCESSES = arg('processes', 3);
const LIBS = ['breakwater', 'cockatiel', 'opossum'] as const;
const CASES = ['best', 'realistic'] as const;
type Case = (typeof CASES)[number];
const SCENARIOS: Array<{ id: CellScenario; title: string }> = [
  { id: 'breakerOnly', title: '(a) breaker only' },
  { id: 'pipeline', title: '(b) retry + breaker + timeout' },
  { id: 'rejectedPipeline', title: '(c) rejected through retry → open breaker → timeout' },
  { id: 'heap', title: 'heap per breaker (10,000 instances)' },
];

function runCell(dist: string, s: CellScenario, c: Case): CellResult {
  const cell = fileURLToPath(new URL('./core/cell.ts', import.meta.url));
  const r = spawnSync(process.execPath, [...process.execArgv, cell, dist, s, c, String(ROUNDS)], {
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  if (r.status !== 0) throw new Error(`cell ${s} ${c} failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as CellResult;
}

function versionOf(pkg: string): string {
  const require = createRequire(import.meta.url);
  const main = require.resolve(pkg);
  const idx = main.lastIndexOf(`node_modules/${pkg}/`);
  return (
    JSON.parse(readFileSync(`${main.slice(0, idx)}node_modules/${pkg}/package.json`, 'utf8')) as { version: string }
  ).version;
}

const check = (pass: boolean): string => (pass ? 'met' : '**missed**');
const load = (): string =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' / ');

async function main(): Promise<void> {
  const started = new Date();
  const loadStart = load();
  const dist = buildCoreDist();
  // Each cell runs in PROCESSES separate processes: the JIT does not settle the same way in every
  // process (the realistic breaker-only figure is bimodal), so one process could flatter or smear.
  const results = new Map<string, CellResult[]>();
  const key = (s: CellScenario, c: Case): string => `${s}/${c}`;
  for (let p = 0; p < PROCESSES; p++) {
    for (const s of SCENARIOS) {
      for (const c of CASES) {
        process.stdout.write(`measuring ${s.title}, ${c} case, process ${p + 1} of ${PROCESSES} ...\n`);
        const k = key(s.id, c);
        results.set(k, [...(results.get(k) ?? []), runCell(dist, s.id, c)]);
      }
    }
  }
  const loadEnd = load();
  /** Per process: the median over its rounds (or its heap figure). */
  const perProcess = (lib: Lib, s: CellScenario, c: Case): number[] =>
    results.get(key(s, c))!.map((r) => (s === 'heap' ? r.heapBytes![lib] : median(r.ns![lib])));
  const ns = (lib: Lib, s: CellScenario, c: Case): number => median(perProcess(lib, s, c));
  const spread = (lib: Lib, s: CellScenario, c: Case, f: (x: number) => string): string => {
    const xs = perProcess(lib, s, c);
    return xs.length < 2 ? '' : ` <sub>(${f(Math.min(...xs))}–${f(Math.max(...xs))})</sub>`;
  };
  /** Breakwater ÷ another library: the median over processes of the ratio inside each process. */
  const rel = (other: Lib, s: CellScenario, c: Case): number => {
    const b = perProcess('breakwater', s, c);
    const o = perProcess(other, s, c);
    return median(b.map((x, i) => x / o[i]!));
  };
  const asyncThrow = (c: Case): number =>
    median(results.get(key('rejectedPipeline', c))!.map((r) => median(r.asyncThrowNs!)));
  const syncThrow = (c: Case): number =>
    median(results.get(key('rejectedPipeline', c))!.map((r) => median(r.syncThrowNs!)));

  const lines: string[] = [];
  lines.push('## Core overhead (`npm run bench:core`)', '');
  lines.push(
    `Command: \`npm run bench:core\`. ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC, Node ${process.version}, cockatiel ${versionOf('cockatiel')}, opossum ${versionOf('opossum')}; ` +
      `Breakwater from its compiled dist/ (tsc). Load average (1/5/15 min) ${loadStart} at the start, ${loadEnd} at the end, on a shared 2-core machine: ` +
      'absolute figures inflate with load; the ratios, measured in the same rounds, much less.',
    '',
  );
  lines.push(
    `Each cell (scenario × case) runs in ${PROCESSES} separate processes; a figure is the median over the processes of each process\'s median over its rounds, with the range over the processes in small print. ` +
      "A process measures the three libraries side by side: a process's speed on this shared machine varies by tens of percent " +
      'from one process to the next, which ratios taken inside one process cancel out. A sanity instance runs before each timed one; ' +
      `${ROUNDS} rounds after 2 warm-up rounds; in a round the bare \`await fn()\` baseline and each library alternate in 20 chunks of sequential awaited calls, ` +
      "and a library's overhead for the round is its fastest chunk minus the fastest baseline chunk, per call (other processes only ever add time); " +
      'the table shows the median over rounds. ' +
      `**Best case**: a fresh process, one breaker or pipeline and one function per library. **Realistic case**: each library first runs ${WARM_ENDPOINTS} breakers and ${WARM_ENDPOINTS} pipelines, ` +
      'one per simulated endpoint, each with its own function (distinct source: sync values, promises, async functions, thenables, throws, rejections) ' +
      'and options (trip strategies, windows, a shared store, half-open and slow-call settings, fallback, bulkhead, rate limit, hedge), ' +
      "driven through successes, failures, open rejections and half-open probes — the library's call sites are megamorphic when the timed instance runs.",
    '',
  );
  lines.push(
    '| scenario | case | breakwater | cockatiel | opossum | bw / cockatiel | bw / opossum |',
    '|---|---|---:|---:|---:|---:|---:|',
  );
  for (const s of SCENARIOS) {
    const f = s.id === 'heap' ? fmtBytes : fmtNs;
    for (const c of CASES) {
      const [b, k, o] = LIBS.map((lib) => ns(lib, s.id, c)) as [number, number, number];
      lines.push(
        `| ${s.title} | ${c} | ${f(b)}${spread('breakwater', s.id, c, f)} | ${f(k)}${spread('cockatiel', s.id, c, f)} | ${f(o)}${spread('opossum', s.id, c, f)} | ${rel('cockatiel', s.id, c).toFixed(2)}× | ${rel('opossum', s.id, c).toFixed(2)}× |`,
      );
    }
    if (s.id === 'rejectedPipeline') {
      for (const c of CASES)
        lines.push(
          `| reference: \`async () => { throw new Error() }\`, awaited and caught | ${c} | ${fmtNs(asyncThrow(c))} | | | | |`,
        );
      for (const c of CASES)
        lines.push(`| reference: synchronous \`throw new Error()\` + catch | ${c} | ${fmtNs(syncThrow(c))} | | | | |`);
    }
  }
  lines.push('');
  const r = 'realistic' as const;
  const bo = ns('breakwater', 'breakerOnly', r);
  lines.push('Targets, realistic case:', '');
  const x = (v: number): string => `${v.toFixed(2)}×`;
  const boCk = rel('cockatiel', 'breakerOnly', r);
  const plOp = rel('opossum', 'pipeline', r);
  const heapCk = rel('cockatiel', 'heap', r);
  const rejectedPerProcess = perProcess('breakwater', 'rejectedPipeline', r);
  const refPerProcess = results.get(key('rejectedPipeline', r))!.map((cell) => median(cell.asyncThrowNs!));
  const rejectedVsRef = median(rejectedPerProcess.map((v, i) => v / refPerProcess[i]!));
  lines.push(
    `- breaker-only overhead ≤ 150 ns: ${fmtNs(bo)} — ${check(bo <= 150)}; ≤ 0.5× cockatiel: ${x(boCk)} — ${check(boCk <= 0.5)}`,
  );
  lines.push(`- pipeline overhead ≤ 0.5× opossum: ${x(plOp)} — ${check(plOp <= 0.5)}`);
  lines.push(
    `- call rejected through the full pipeline ≤ an async function rejecting with \`new Error()\`: ${fmtNs(ns('breakwater', 'rejectedPipeline', r))} vs ${fmtNs(asyncThrow(r))} (${x(rejectedVsRef)}) — ${check(rejectedVsRef <= 1)}`,
  );
  lines.push(`- heap per breaker ≤ 0.5× cockatiel: ${x(heapCk)} — ${check(heapCk <= 0.5)}`);
  lines.push('', 'Ratios are medians over the processes of the ratio measured inside each process.', '');
  lines.push(
    'Setup (same for all three): breaker opening after 5 consecutive failures (opossum: 50 % errors over ≥ 5 calls, ' +
      'its closest mode; `timeout: false` for breaker-only), half-open after 30 s; pipeline = retry with 3 attempts in total and no delay ' +
      '→ breaker → 1 s timeout (opossum: a retry loop around `fire()` with its `timeout: 1000`); the protected function resolves at once. ' +
      "In (c) the breaker is open: Breakwater's retry does not retry `BW_CIRCUIT_OPEN` (one attempt); cockatiel's `retry(handleAll)` and the opossum loop " +
      'retry the rejection (three attempts), as those libraries do by default.',
  );
  const body = lines.join('\n');
  process.stdout.write(`\n${body}\n`);
  if (!process.argv.includes('--no-write')) {
    const path = fileURLToPath(new URL('../RESULTS.md', import.meta.url));
    writeCoreSection(path, body);
    process.stdout.write(`\nwrote ${path}\n`);
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 1;
});
