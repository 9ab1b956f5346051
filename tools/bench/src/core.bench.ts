/**
 * `npm run bench:core`: per-call overhead of Breakwater vs cockatiel 3 and opossum 9, measured in
 * one run so the ratios share the machine's noise. Scenarios: (a) breaker only, (b) retry +
 * breaker + timeout pipeline, (c) a call rejected by an open breaker (with the cost of one
 * `throw new Error()` as reference), and heap bytes per breaker instance.
 *
 * Method: per round, every contender and the bare `await fn()` baseline run N sequential awaited
 * calls; overhead = contender − baseline of the same round; the table shows medians over the
 * rounds after warm-up. Breakwater is loaded from its compiled dist/ (see load-core.ts).
 * Options: --rounds=7 --calls=100000 --no-write --source (load the TS sources instead).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { closeContenders, contendersFor, ok, type Contender } from './core/contenders.js';
import { loadCore } from './core/load-core.js';
import { fmtBytes, fmtNs, heapBytesPer, median, nsPerCall, nsPerOp } from './core/measure.js';
import { writeCoreSection } from './core/results-file.js';

const arg = (name: string, dflt: number): number => {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
  return hit === undefined ? dflt : Number(hit.slice(name.length + 3));
};
const ROUNDS = arg('rounds', 7);
const CALLS = arg('calls', 100_000);
const WARMUP_ROUNDS = 2;
const HEAP_BREAKERS = 10_000;

type Scenario = 'breakerOnly' | 'pipeline' | 'rejected';
const SCENARIOS: Array<{ id: Scenario; title: string }> = [
  { id: 'breakerOnly', title: '(a) breaker only' },
  { id: 'pipeline', title: '(b) retry + breaker + timeout' },
  { id: 'rejected', title: '(c) rejected by an open breaker' },
];

async function callFor(c: Contender, s: Scenario): Promise<() => Promise<unknown>> {
  return s === 'rejected' ? c.rejected() : s === 'breakerOnly' ? c.breakerOnly() : c.pipeline();
}

let contenders: readonly Contender[] = [];

async function measureScenario(s: Scenario): Promise<Map<string, number>> {
  const calls = new Map<string, () => Promise<unknown>>();
  for (const c of contenders) calls.set(c.name, await callFor(c, s));
  const bare = (): Promise<unknown> => ok();
  const samples = new Map<string, number[]>(contenders.map((c) => [c.name, []]));
  for (let round = 0; round < WARMUP_ROUNDS + ROUNDS; round++) {
    const base = await nsPerCall(bare, CALLS);
    // Rotate the order each round so no contender always runs right after a GC-heavy one.
    for (let k = 0; k < contenders.length; k++) {
      const c = contenders[(round + k) % contenders.length]!;
      const ns = await nsPerCall(calls.get(c.name)!, CALLS);
      if (round >= WARMUP_ROUNDS) samples.get(c.name)!.push(ns - base);
    }
  }
  return new Map([...samples].map(([name, xs]) => [name, median(xs)]));
}

function throwCostNs(): number {
  const op = (): void => {
    try {
      throw new Error('reference');
    } catch {
      // measured: construction (stack capture) + throw + catch
    }
  };
  nsPerOp(op, 20_000);
  return median(Array.from({ length: ROUNDS }, () => nsPerOp(op, 50_000)));
}

function heapPerBreaker(): Map<string, number> {
  const out = new Map<string, number>();
  for (const c of contenders) {
    const release = c.releaseBreaker;
    heapBytesPer(c.makeBreaker, 1000, release); // warm the code paths and hidden classes
    out.set(c.name, median([0, 1, 2].map(() => heapBytesPer(c.makeBreaker, HEAP_BREAKERS, release))));
  }
  return out;
}

function versionOf(pkg: string): string {
  const require = createRequire(import.meta.url);
  const main = require.resolve(pkg);
  const idx = main.lastIndexOf(`node_modules/${pkg}/`);
  const json = JSON.parse(readFileSync(`${main.slice(0, idx)}node_modules/${pkg}/package.json`, 'utf8')) as { version: string };
  return json.version;
}

const ratio = (a: number, b: number): string => (b > 0 ? `${(a / b).toFixed(2)}×` : 'n/a');
const check = (pass: boolean): string => (pass ? 'met' : '**missed**');

async function main(): Promise<void> {
  const started = new Date();
  const { core, build } = await loadCore({ source: process.argv.includes('--source') });
  contenders = contendersFor(core);
  const results = new Map<Scenario, Map<string, number>>();
  for (const s of SCENARIOS) {
    process.stdout.write(`measuring ${s.title} ...\n`);
    results.set(s.id, await measureScenario(s.id));
  }
  const throwNs = throwCostNs();
  const heap = heapPerBreaker();
  closeContenders();

  const bw = (s: Scenario): number => results.get(s)!.get('breakwater')!;
  const of = (s: Scenario, name: string): number => results.get(s)!.get(name)!;
  const lines: string[] = [];
  lines.push('## Core overhead (`npm run bench:core`)', '');
  lines.push(`Node ${process.version}, cockatiel ${versionOf('cockatiel')}, opossum ${versionOf('opossum')}, ${started.toISOString().slice(0, 10)}; `
    + `Breakwater from its ${build}; command \`npm run bench:core\` (${ROUNDS} rounds × ${CALLS.toLocaleString('en')} sequential awaited calls after ${WARMUP_ROUNDS} warm-up rounds; `
    + 'overhead = median over rounds of (policy call − bare `await fn()` of the same round)).', '');
  lines.push('| scenario | breakwater | cockatiel | opossum | bw / cockatiel | bw / opossum |', '|---|---:|---:|---:|---:|---:|');
  for (const s of SCENARIOS) {
    lines.push(`| ${s.title} | ${fmtNs(bw(s.id))} | ${fmtNs(of(s.id, 'cockatiel'))} | ${fmtNs(of(s.id, 'opossum'))} | ${ratio(bw(s.id), of(s.id, 'cockatiel'))} | ${ratio(bw(s.id), of(s.id, 'opossum'))} |`);
  }
  lines.push(`| reference: one \`throw new Error()\` | ${fmtNs(throwNs)} | | | | |`);
  lines.push(`| heap per breaker (${HEAP_BREAKERS.toLocaleString('en')} instances) | ${fmtBytes(heap.get('breakwater')!)} | ${fmtBytes(heap.get('cockatiel')!)} | ${fmtBytes(heap.get('opossum')!)} | ${ratio(heap.get('breakwater')!, heap.get('cockatiel')!)} | ${ratio(heap.get('breakwater')!, heap.get('opossum')!)} |`, '');
  lines.push('Targets:', '');
  lines.push(`- breaker-only overhead ≤ 150 ns: ${fmtNs(bw('breakerOnly'))} — ${check(bw('breakerOnly') <= 150)}; ≤ 0.5× cockatiel: ${ratio(bw('breakerOnly'), of('breakerOnly', 'cockatiel'))} — ${check(bw('breakerOnly') <= 0.5 * of('breakerOnly', 'cockatiel'))}`);
  lines.push(`- pipeline overhead ≤ 0.5× opossum: ${ratio(bw('pipeline'), of('pipeline', 'opossum'))} — ${check(bw('pipeline') <= 0.5 * of('pipeline', 'opossum'))}`);
  lines.push(`- rejected call ≤ one \`throw new Error()\`: ${fmtNs(bw('rejected'))} vs ${fmtNs(throwNs)} — ${check(bw('rejected') <= throwNs)}`);
  lines.push(`- heap per breaker ≤ 0.5× cockatiel: ${ratio(heap.get('breakwater')!, heap.get('cockatiel')!)} — ${check(heap.get('breakwater')! <= 0.5 * heap.get('cockatiel')!)}`, '');
  lines.push('Setup (same for all three): breaker opening after 5 consecutive failures (opossum: 50 % errors over ≥ 5 calls, '
    + 'its closest mode; `timeout: false` for breaker-only), half-open after 30 s; pipeline = retry with 3 attempts in total and no delay '
    + '→ breaker → 1 s timeout (opossum: a retry loop around `fire()` with its `timeout: 1000`); the protected function resolves at once. '
    + 'The machine is shared and noisy: compare the ratios, measured in the same run, rather than absolute figures across runs.');
  const body = lines.join('\n');
  process.stdout.write(`\n${body}\n`);
  if (!process.argv.includes('--no-write')) {
    const path = fileURLToPath(new URL('../RESULTS.md', import.meta.url));
    writeCoreSection(path, body);
    process.stdout.write(`\nwrote ${path}\n`);
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  closeContenders();
  process.exitCode = 1;
});
