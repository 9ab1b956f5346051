// npm run bench:lb — load-balancer simulation and pick() cost; writes the bench:lb section of RESULTS.md.
// Flags: --quick (shorter simulation, fewer picks) for iteration; the committed figures use the default.
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { adaptive, leastConnections, p2cEwma, roundRobin, type Strategy } from '@breakwater/core';
import { median } from './core/measure.js';
import type { PickCost } from './lb-pick.js';
import { PICK_SUBJECTS } from './lb-strategies.js';
import { writeLbSection } from './lb-results.js';
import { simulate, type SimOptions } from './lb-sim.js';

const quick = process.argv.includes('--quick');
const fmt = (x: number, d = 1): string => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');

const simStrategies: Array<[string, () => Strategy]> = [
  ['roundRobin', roundRobin],
  ['leastConnections', leastConnections],
  ['p2cEwma', () => p2cEwma()],
  ['adaptive', () => adaptive()],
];
const base: SimOptions = {
  strategy: roundRobin,
  endpoints: 10,
  workersPerEndpoint: 4,
  ratePerSec: 2000,
  durationMs: quick ? 10_000 : 60_000,
  medianServiceMs: 10,
  slowIndex: -1,
  slowFactor: 10,
  failingIndex: -1,
  seed: 20240901,
};

async function simulationTables(): Promise<string> {
  const rows: string[] = [];
  const baseline = await simulate({ ...base, strategy: () => p2cEwma() });
  rows.push(
    `| all healthy (baseline, p2cEwma) | ${fmt(baseline.p50)} | ${fmt(baseline.p99)} | ${fmt(baseline.p999)} | – | – |`,
  );
  let p2cSlowP99 = NaN;
  for (const [name, make] of simStrategies) {
    const healthy = name === 'p2cEwma' ? baseline : await simulate({ ...base, strategy: make });
    const slow = await simulate({ ...base, strategy: make, slowIndex: 3 });
    if (name === 'p2cEwma') p2cSlowP99 = slow.p99;
    rows.push(`| ${name}: all healthy | ${fmt(healthy.p50)} | ${fmt(healthy.p99)} | ${fmt(healthy.p999)} | – | – |`);
    rows.push(
      `| ${name}: one endpoint 10× slower | ${fmt(slow.p50)} | ${fmt(slow.p99)} | ${fmt(slow.p999)} | ${fmt(slow.p99 / baseline.p99, 2)}× | ${fmt(slow.slowShare * 100, 2)} % |`,
    );
    console.log(`sim ${name} done`);
  }
  const failing: string[] = [];
  for (const [name, make] of simStrategies) {
    const r = await simulate({ ...base, strategy: make, failingIndex: 5, outlierDetection: true });
    failing.push(
      `| ${name} | ${r.errorsBeforeFirstEjection} | ${r.errors} | ${fmt((r.errors / r.calls) * 100, 3)} % | ${fmt(r.p99)} |`,
    );
  }
  const verdict = p2cSlowP99 <= 1.2 * baseline.p99 ? 'met' : 'NOT met';
  return [
    `### Simulation: 10 endpoints, one 10× slower`,
    '',
    `Discrete-event simulation driving the real \`loadBalancer\` and strategies on a ManualClock (virtual time): open-loop Poisson arrivals at ${base.ratePerSec}/s for ${base.durationMs / 1000} s, ` +
      `10 endpoints × ${base.workersPerEndpoint} workers with FIFO queues, lognormal service time (median ${base.medianServiceMs} ms, σ 0.4), seed ${base.seed}. ` +
      `Latency = queueing + service, in virtual ms. "to slow" = share of calls sent to the slow endpoint.`,
    '',
    '| run | p50 ms | p99 ms | p99.9 ms | p99 vs baseline | to slow |',
    '|---|---|---|---|---|---|',
    ...rows,
    '',
    `Target p2cEwma p99 ≤ 1.2× baseline: **${verdict}** (${fmt(p2cSlowP99)} ms vs ${fmt(baseline.p99)} ms).`,
    '',
    '### Simulation: one endpoint fails every call (1 ms 503), outlier detection on',
    '',
    'Same traffic; `outlierDetection: { consecutiveFailures: 5, baseEjectionMs: 30000 }` (ejections repeat as the ejection time elapses: 30 s, then 60 s).',
    '',
    '| strategy | errors before first ejection | errors in run | error rate | p99 ms |',
    '|---|---|---|---|---|',
    ...failing,
  ].join('\n');
}

function pickTable(): string {
  const sizes = [10, 1_000, 10_000];
  const iterations = quick ? 200_000 : 1_000_000;
  const rounds = quick ? 5 : 7;
  const loadBefore = loadavg()[0]!;
  const results = PICK_SUBJECTS.map((subject) => ({
    subject,
    costs: pickCosts(subject.name, sizes, iterations, rounds),
  }));
  const loadAfter = loadavg()[0]!;
  const cell = (c: PickCost): string => `${fmt(c.pickNs, 0)} (${fmt(c.ratio, 1)}×)`;
  const rows = results.map(({ subject, costs }) => {
    const t = subject.targetNs;
    const verdict = t === undefined ? '–' : costs[2]!.pickNs <= t ? `≤ ${t}: met` : `≤ ${t}: **NOT met**`;
    console.log(
      `pick ${subject.name}: ${costs.map((c) => fmt(c.pickNs, 0)).join(' / ')} ns; ref ${costs.map((c) => fmt(c.refNs, 0)).join(' / ')} ns`,
    );
    return `| ${subject.name} | ${costs.map(cell).join(' | ')} | ${verdict} |`;
  });
  // The references were measured once per strategy process: their spread shows how noisy the machine was.
  const spread = (k: 'refNs' | 'loopNs', i: number): string => {
    const xs = results.map((r) => r.costs[i]![k]);
    return `${fmt(median(xs), 0)} (${fmt(Math.min(...xs), 0)}–${fmt(Math.max(...xs), 0)})`;
  };
  return [
    '### pick() cost',
    '',
    `ns per \`pick()\`, loop overhead subtracted; in brackets the ratio to a reference pick measured in the same rounds: a random index into the same endpoints (\`endpoints[Math.floor(Math.random() * n)]\`). ` +
      `Each strategy runs in its own node process (no JIT state shared between strategies); for each size one warm-up round, then the median of ${rounds} rounds × ${iterations.toLocaleString('en')} calls, ` +
      'each round timing the empty loop, the reference and the balancer back to back in rotating order, all through the same freshly compiled loop text (`sink += target.pick(args[i & 1023]).id.length`). ' +
      `Weights 1–3, no calls in flight; keyed strategies cycle 1024 keys. Load average (1 min) ${fmt(loadBefore)} before, ${fmt(loadAfter)} after. Target column: the issue's bound at 10k endpoints.`,
    '',
    '| strategy | 10 | 1k | 10k | target at 10k |',
    '|---|---|---|---|---|',
    ...rows,
    `| *reference: random index, median (min–max) over the ${results.length} processes* | ${sizes.map((_, i) => spread('refNs', i)).join(' | ')} | |`,
    `| *loop overhead subtracted (empty pick returning a fixed endpoint)* | ${sizes.map((_, i) => spread('loopNs', i)).join(' | ')} | |`,
  ].join('\n');
}

/** One strategy's pick() costs, measured in a child process (see lb-pick-child.ts). */
function pickCosts(name: string, sizes: number[], iterations: number, rounds: number): PickCost[] {
  const child = fileURLToPath(new URL('./lb-pick-child.ts', import.meta.url));
  const out = spawnSync(
    process.execPath,
    [...process.execArgv, child, name, String(iterations), String(rounds), sizes.join(',')],
    { encoding: 'utf8' },
  );
  if (out.status !== 0) throw new Error(`pick() bench of ${name} failed (exit ${String(out.status)}): ${out.stderr}`);
  return JSON.parse(out.stdout.trim().split('\n').pop()!) as PickCost[];
}

const started = Date.now();
const loadStart = loadavg()
  .map((x) => x.toFixed(1))
  .join(' / ');
const sim = await simulationTables();
const picks = pickTable();
const body = [
  '## Load balancing (`npm run bench:lb`)',
  '',
  `Command: \`npm run bench:lb\`${quick ? ' -- --quick' : ''}. Date: ${new Date().toISOString().slice(0, 10)}. Node ${process.version}, ${process.platform}/${process.arch}, shared 2-core machine (other engineers' jobs running), ` +
    `load average (1/5/15 min, \`/proc/loadavg\`) ${loadStart} at the start, ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' / ')} at the end. ` +
    'pick() figures are wall-clock and inflate with load; the reference measured alongside each one shows by how much.',
  '',
  sim,
  '',
  picks,
].join('\n');
console.log(`\n${body}\n\n(${((Date.now() - started) / 1000).toFixed(1)} s)`);
writeLbSection(fileURLToPath(new URL('../RESULTS.md', import.meta.url)), body);
